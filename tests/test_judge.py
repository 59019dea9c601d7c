"""The trusted checker's parts: self-contained test cells, the plain-data channel, the plan.

The end-to-end proofs (hostile submissions graded against honest controls) are in
``tests/test_bad_submissions.py``; the solutions' full marks through the checker in ``tests/test_autograde.py``.
"""

from __future__ import annotations

import builtins
import json

import numpy as np
import pandas as pd
import pytest

from autograder.channel import ChannelError, Codec, _check_keras_config
from autograder.exercise_map import lesson_exercises
from autograder.judge import free_names, imported_names, plan
from autograder.notebooks import SOLUTIONS, grade_id, is_test, lesson_ids, notebooks, read


def _codec(trusted=True):
    exported = {}

    def export(fn):
        exported[len(exported) + 1] = fn
        return {"id": len(exported)}

    return Codec(export, lambda data: ("remote", data["id"]), trusted=trusted), exported


def _roundtrip(value, trusted_decoder=True):
    sender, _ = _codec(trusted=False)
    receiver, _ = _codec(trusted=trusted_decoder)
    return receiver.decode(Codec.loads(Codec.dumps(sender.encode(value))))


# -- every graded test cell is self-contained ---------------------------------------------------------
CASES = [(lesson, path) for lesson in lesson_ids() for path in notebooks(SOLUTIONS, lesson)]


@pytest.mark.parametrize(("lesson", "path"), CASES, ids=[p.name for _, p in CASES])
def test_test_cells_read_only_imports_and_their_own_exercise(lesson, path):
    """A test cell reads modules the lesson imports, builtins, and the functions of ITS exercise, nothing else.

    So it runs the same in the checker (which rebuilds exactly that namespace) as in the student's kernel,
    an expected value cannot be a variable the student overwrote, and a wrong answer to one exercise
    cannot fail another exercise's test.
    """
    the_plan = plan(path)
    imported = imported_names(the_plan["setup"])
    own = {t: set(ex.functions) for ex in lesson_exercises(lesson) for t in ex.tests}
    problems = []
    for cell in read(path).cells:
        if cell.cell_type != "code" or not is_test(cell):
            continue
        gid = grade_id(cell)
        names = free_names(cell.source)
        bad = names - imported - own.get(gid, set())
        if bad:
            problems.append(f"{gid} reads {sorted(bad)}")
    assert not problems, f"{path.name}: test cells that are not self-contained: {problems}"


def test_plan_names_the_references_to_trip():
    p = plan(SOLUTIONS / "07-forecasting" / "forecasting.ipynb")
    assert p["cells"]["test_ex3_make_windows"]["refs"] == ["helpers.data.make_windows"]
    assert p["cells"]["test_ex3_make_windows"]["names"] == ["make_windows"]
    assert p["cells"]["test_ex6_my_forecaster"]["refs"] == []  # a free-form exercise has no reference
    assert "my_forecaster" in p["answers"]
    # every test cell of lesson 07 imports what it uses itself, so no lesson import is needed
    assert p["setup"] == ""


# -- the channel carries plain data only ----------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        2**80,
        -0.25,
        float("nan"),
        float("-inf"),
        1 + 2j,
        "text",
        b"\x00\x01",
        (1, [2.0, {"a": (3,)}]),
        {1: "one", (2, 3): None},
        {1, 2},
        frozenset({"x"}),
        np.float32(1.5),
        np.int64(7),
        np.bool_(True),
    ],
    ids=repr,
)
def test_plain_values_round_trip_with_their_types(value):
    got = _roundtrip(value)
    assert type(got) is type(value)
    if isinstance(value, float) and np.isnan(value):
        assert np.isnan(got)
    else:
        assert got == value


def test_arrays_and_frames_round_trip():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    got = _roundtrip(a)
    assert type(got) is np.ndarray and got.dtype == np.float32 and np.array_equal(got, a)
    df = pd.DataFrame({"LSTM": [1.0, 0.5], "GRU": [0.9, 0.4]}, index=[5, 40])
    pd.testing.assert_frame_equal(_roundtrip(df), df)
    s = pd.Series([1, 2], index=["a", "b"], name="m")
    pd.testing.assert_series_equal(_roundtrip(s), s)


def test_lying_values_arrive_honest():
    class AlwaysEqual(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    class TrueArray(np.ndarray):
        def __array_ufunc__(self, *args, **kwargs):
            return True

    got = _roundtrip(AlwaysEqual(3))
    assert type(got) is int and got == 3 and got != 4
    arr = _roundtrip(np.zeros(3).view(TrueArray))
    assert type(arr) is np.ndarray and not np.allclose(arr, 1.0)


def test_no_pickle_crosses():
    sender, _ = _codec(trusted=False)
    with pytest.raises(ValueError):  # numpy refuses to write an object array without pickle
        sender.encode(np.array([object()], dtype=object))
    with pytest.raises(ChannelError):
        sender.encode(object())
    receiver, _ = _codec()
    with pytest.raises((ChannelError, ValueError)):
        receiver.decode({"t": "pickle", "b": "gASVAAAA"})
    import base64
    import io
    import pickle

    buf = io.BytesIO()
    np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="allow_pickle"):
        receiver.decode({"t": "nd", "b": base64.b64encode(buf.getvalue()).decode()})
    assert pickle  # imported to build the payload above only


def test_callables_cross_as_handles():
    sender, exported = _codec(trusted=False)
    data = sender.encode([len, lambda x: x])
    assert [d["t"] for d in data["v"]] == ["fn", "fn"] and len(exported) == 2
    receiver, _ = _codec()
    assert receiver.decode(data) == [("remote", 1), ("remote", 2)]


def test_keras_configs_from_outside_keras_are_refused():
    _check_keras_config({"module": "keras.layers", "class_name": "LSTM", "config": {"units": 3}})
    for evil in [
        {"module": "os", "class_name": "system", "config": {}},
        {"module": "keras.layers", "class_name": "Lambda", "config": {"function": "..."}},
        {"config": {"layers": [{"module": "builtins", "class_name": "eval"}]}},
    ]:
        with pytest.raises(ChannelError):
            _check_keras_config(evil)


@pytest.mark.slow
def test_keras_models_round_trip_with_their_weights():
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((5, 2)), keras.layers.LSTM(3), keras.layers.Dense(1)])
    x = np.random.default_rng(0).normal(size=(2, 5, 2)).astype("float32")
    got = _roundtrip(model)
    assert got is not model and got.count_params() == model.count_params()
    np.testing.assert_allclose(got(x), model(x), atol=1e-6)
    assert getattr(got, "optimizer", None) is None  # not compiled stays not compiled


def test_messages_are_json_and_bounded(monkeypatch):
    import autograder.channel as channel

    monkeypatch.setattr(channel, "MAX_BYTES", 1000)
    with pytest.raises(ChannelError, match="limit"):
        Codec.dumps({"x": "a" * 2000})
    assert json.loads(Codec.dumps({"x": 1})) == {"x": 1}


def test_free_names_sees_reads_not_bindings():
    src = "import numpy as np\nx = 1\ndef f(a):\n    return a + y\nprint(f(x), z, [w for w in q])\n"
    assert free_names(src) == {"y", "z", "q"}
    assert "print" in dir(builtins)
