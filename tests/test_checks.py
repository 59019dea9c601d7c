"""Tests for helpers._checks: the Keras-style validation and the one dtype policy of every NumPy cell helper.

The policy (``float_dtype``): each input counts with its own dtype if floating, integers and bools count
as float64, and the result is ``np.result_type`` of those. So float32 stays float32, float64 stays
float64 and integer inputs give float64 -- never integer zeros.
"""

import numpy as np
import pytest

from helpers import gru, lstm, rnn, variants
from helpers._checks import as_float, check_array, check_positive_int, float_dtype


def test_float_dtype_policy():
    i, f32, f64 = np.zeros(2, np.int64), np.zeros(2, np.float32), np.zeros(2)
    assert float_dtype(i) == np.float64
    assert float_dtype(np.zeros(2, bool)) == np.float64
    assert float_dtype(np.zeros(2, np.int8), f32) == np.float64  # an integer counts as float64
    assert float_dtype(f32, f32) == np.float32
    assert float_dtype(f32, f64) == np.float64
    assert float_dtype(np.zeros(2, np.float16)) == np.float16
    assert float_dtype(f32, np.zeros(2, np.complex64)) == np.complex64
    assert float_dtype([1, 2], 3) == np.float64  # array-likes and Python numbers
    a, b = as_float(i, f32)
    assert a.dtype == b.dtype == np.float64
    (c,) = as_float(f32)
    assert c is f32  # no copy when the dtype already fits


def test_check_array_and_positive_int_messages():
    with pytest.raises(
        ValueError, match=r"^`x` must have shape \(N, T, D\) = \(N, T, 3\)\. Received: x.shape=\(4, 5\)$"
    ):
        check_array(np.zeros((4, 5)), "x", (None, None, 3), dims="(N, T, D)")
    with pytest.raises(ValueError, match=r"^`b` must have shape \(4,\)\. Received: b.shape=\(3,\)$"):
        check_array(np.zeros(3), "b", (4,))
    assert check_array([[1, 2]], "a", (1, None)).shape == (1, 2)
    with pytest.raises(ValueError, match=r"^`window` must be an integer >= 1\. Received: window=0$"):
        check_positive_int(0, "window")
    with pytest.raises(ValueError, match="Received: flag=True"):
        check_positive_int(True, "flag")


# --------------------------------------------------------------------------------------------------
# Every NumPy forward / step function under the policy
# --------------------------------------------------------------------------------------------------
N, T, D, H = 2, 3, 3, 2


def _ints(rng, *shape):
    return rng.integers(-2, 3, size=shape)


def _arrays(out):
    """The array outputs of a helper (tuples, dict values, lists of step caches are skipped)."""
    out = out if isinstance(out, tuple) else (out,)
    arrays = []
    for o in out:
        if isinstance(o, np.ndarray):
            arrays.append(o)
        elif isinstance(o, dict):
            arrays.extend(v for v in o.values() if isinstance(v, np.ndarray))
    return arrays


def _rnn_backward(x, h0, W, U, b):
    h, cache = rnn.rnn_forward(x, h0, W, U, b)
    return rnn.rnn_backward(np.ones(h.shape, dtype=h0.dtype), cache)


def _rnn_step_backward(x, h0, W, U, b):
    h_t, cache = rnn.rnn_step_forward(x[:, 0], h0, W, U, b)
    return rnn.rnn_step_backward(np.ones(h_t.shape, dtype=h0.dtype), cache)


def _lstm_backward(x, h0, c0, W, U, b):
    h, _, cache = lstm.lstm_forward(x, h0, c0, W, U, b)
    return lstm.lstm_backward(np.ones(h.shape, dtype=h0.dtype), cache)


def _lstm_step_backward(x, h0, c0, W, U, b):
    h_t, _, cache = lstm.lstm_step_forward(x[:, 0], h0, c0, W, U, b)
    ones = np.ones(h_t.shape, dtype=h0.dtype)
    return lstm.lstm_step_backward(ones, ones, cache)


def _cases():
    """name -> (function, builder of its integer arguments from a generator)."""
    rnn_args = lambda g: (_ints(g, N, T, D), _ints(g, N, H), _ints(g, D, H), _ints(g, H, H), _ints(g, H))  # noqa: E731
    lstm_args = lambda g: (  # noqa: E731
        _ints(g, N, T, D),
        _ints(g, N, H),
        _ints(g, N, H),
        _ints(g, D, 4 * H),
        _ints(g, H, 4 * H),
        _ints(g, 4 * H),
    )
    gru_args = lambda g, ra: (  # noqa: E731
        _ints(g, N, T, D),
        _ints(g, N, H),
        _ints(g, D, 3 * H),
        _ints(g, H, 3 * H),
        _ints(g, 2, 3 * H) if ra else _ints(g, 3 * H),
    )

    def step(args):  # x (N, T, D) -> x_t (N, D)
        return (args[0][:, 0],) + tuple(args[1:])

    def peep(g):
        x, h0, _, W, U, b = lstm_args(g)
        return x, h0, W, U, _ints(g, 3, H), b

    def slstm_step(g):
        x, h0, _, W, U, b = lstm_args(g)
        return x[:, 0], h0, _ints(g, N, H), np.abs(_ints(g, N, H)) + 1, _ints(g, N, H), W, U, b

    def slstm_step_raw(g):
        x_t, h0, c0, n0, _, W, U, b = slstm_step(g)
        return x_t, h0, c0, n0, W, U, b

    def slstm_seq(g):
        x, h0, _, W, U, b = lstm_args(g)
        return x, h0, W, U, b

    return {
        "rnn.rnn_step_forward": (rnn.rnn_step_forward, lambda g: step(rnn_args(g))),
        "rnn.rnn_step_backward": (_rnn_step_backward, rnn_args),
        "rnn.rnn_forward": (rnn.rnn_forward, rnn_args),
        "rnn.rnn_backward": (_rnn_backward, rnn_args),
        "rnn.gated_memory": (rnn.gated_memory, lambda g: (_ints(g, T, H), g.integers(0, 2, size=(T, H)))),
        "rnn.decay_memory": (rnn.decay_memory, lambda g: (_ints(g, T, H),)),
        "rnn.step_jacobian": (rnn.step_jacobian, lambda g: (_ints(g, H), _ints(g, H, H))),
        "rnn.jacobian_product": (
            lambda h, U: rnn.jacobian_product(h, U, 0),
            lambda g: (_ints(g, T, H), _ints(g, H, H)),
        ),
        "lstm.sigmoid": (lstm.sigmoid, lambda g: (_ints(g, N, H),)),
        "lstm.lstm_step_forward": (lstm.lstm_step_forward, lambda g: step(lstm_args(g))),
        "lstm.lstm_step_backward": (_lstm_step_backward, lstm_args),
        "lstm.lstm_forward": (lstm.lstm_forward, lstm_args),
        "lstm.lstm_backward": (_lstm_backward, lstm_args),
        "lstm.make_memory_cell": (lstm.make_memory_cell, lambda g: lstm_args(g)[3:]),
        "lstm.survival": (lstm.survival, lambda g: (g.integers(0, 2, size=(N, T, H)),)),
        "gru.gru_step_forward": (gru.gru_step_forward, lambda g: step(gru_args(g, True))),
        "gru.gru_step_forward(reset_after=False)": (
            lambda *a: gru.gru_step_forward(*a, reset_after=False),
            lambda g: step(gru_args(g, False)),
        ),
        "gru.gru_forward": (gru.gru_forward, lambda g: gru_args(g, True)),
        "variants.peephole_lstm_step_forward": (
            variants.peephole_lstm_step_forward,
            lambda g: (lambda x, h0, W, U, P, b: (x[:, 0], h0, _ints(g, N, H), W, U, P, b))(*peep(g)),
        ),
        "variants.peephole_lstm_forward": (variants.peephole_lstm_forward, peep),
        "variants.slstm_step_forward": (variants.slstm_step_forward, slstm_step),
        "variants.slstm_step_forward_unstabilised": (variants.slstm_step_forward_unstabilised, slstm_step_raw),
        "variants.slstm_forward": (variants.slstm_forward, slstm_seq),
        "variants.slstm_forward(stabilised=False)": (
            lambda *a: variants.slstm_forward(*a, stabilised=False),
            slstm_seq,
        ),
    }


CASES = _cases()


@pytest.mark.parametrize("dtype", [np.int64, np.float32, np.float64], ids=["int", "float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_cell_helper_follows_the_dtype_policy(name, dtype):
    fn, build = CASES[name]
    int_args = build(np.random.default_rng(abs(hash(name)) % 2**32))
    args = [np.asarray(a).astype(dtype) for a in int_args]
    expected = np.dtype(np.float64) if np.dtype(dtype).kind == "i" else np.dtype(dtype)
    with np.errstate(over="ignore", invalid="ignore"):  # the unstabilised sLSTM may overflow: that is its point
        outs = _arrays(fn(*args))
        reference = _arrays(fn(*[a.astype(np.float64) for a in int_args]))
    assert outs, f"{name} returned no arrays"
    for k, out in enumerate(outs):
        assert out.dtype == expected, (
            f"{name}: output {k} has dtype {out.dtype} for {np.dtype(dtype)} inputs, expected {expected}"
        )
    if expected == np.float64:  # integers are promoted, not truncated: same numbers as float64 inputs
        for out, ref in zip(outs, reference, strict=True):
            np.testing.assert_array_equal(out, ref, err_msg=name)
