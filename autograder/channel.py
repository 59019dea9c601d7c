"""The narrow channel between the student's kernel and the trusted checker: plain data only, never pickle.

Both sides encode values to JSON-able trees and decode them back. What can cross:

- ``None``, ``bool``, ``int``, ``float``, ``str`` (as JSON), ``complex``, ``bytes``;
- ``list``, ``tuple``, ``dict`` (any plain keys), ``set``, ``frozenset`` of those;
- NumPy arrays and scalars, as ``.npy`` bytes written and read with ``allow_pickle=False`` (so an object
  array cannot cross, and a subclass arrives as a plain ``ndarray``: its overridden comparisons stay behind);
- pandas ``DataFrame`` / ``Series``, as their index, column names and column arrays;
- Keras layers and models, as their config and weights; the checker rebuilds them with Keras' safe mode
  (no ``Lambda`` code) after refusing any config that names a module outside ``keras``;
- callables, as a handle: calling the handle on the other side calls the function where it lives.

Anything else is refused with a ``TypeError`` that names the type. Subclasses of ``int``, ``float``, ``str``
and friends cross as the plain type (``int(x)``, ...), so an ``int`` whose ``==`` always says true arrives
as an honest ``int``. ``decode`` builds only the types above; it never imports or calls anything named in
the data (Keras' own, safe-mode deserialisation of a ``keras.*`` config is the one exception).
"""

from __future__ import annotations

import base64
import io
import json
import math
import sys
from collections.abc import Callable

import numpy as np

MAX_BYTES = 64 * 2**20  # a message larger than this is refused (a result, an argument list)


class ChannelError(TypeError):
    """A value that cannot cross the channel."""


def _npy(array: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, np.asarray(array), allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _unnpy(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)


def _is_keras(value) -> bool:
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, (keras.layers.Layer, keras.Model))


class Codec:
    """Encode and decode values; ``export`` turns a local callable into a handle, ``remote`` a handle into a stub."""

    def __init__(self, export: Callable[[Callable], dict], remote: Callable[[dict], Callable], trusted: bool):
        self.export, self.remote, self.trusted = export, remote, trusted

    # -- encode ------------------------------------------------------------------------------------
    def encode(self, value, depth: int = 0):
        if depth > 50:
            raise ChannelError("value nested too deeply to send")
        enc = lambda v: self.encode(v, depth + 1)  # noqa: E731
        if value is None or type(value) in (bool, str):
            return value
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, np.ndarray):
            return {"t": "nd", "b": _npy(np.asarray(value))}
        if isinstance(value, np.generic):
            return {"t": "np", "b": _npy(np.asarray(value))}
        if isinstance(value, int):
            return {"t": "int", "v": str(int.__index__(value))} if abs(int.__index__(value)) > 2**53 else int(value)
        if isinstance(value, float):
            v = float.__float__(value)
            return v if math.isfinite(v) else {"t": "float", "v": repr(v)}
        if isinstance(value, complex):
            return {"t": "complex", "v": [complex.__complex__(value).real, complex.__complex__(value).imag]}
        if isinstance(value, str):
            return str.__str__(value)
        if isinstance(value, (bytes, bytearray)):
            return {"t": "bytes", "b": base64.b64encode(bytes(value)).decode("ascii")}
        if isinstance(value, tuple):
            return {"t": "tuple", "v": [enc(v) for v in tuple.__iter__(value)]}
        if isinstance(value, list):
            return {"t": "list", "v": [enc(v) for v in list.__iter__(value)]}
        if isinstance(value, (set, frozenset)):
            return {"t": "frozenset" if isinstance(value, frozenset) else "set", "v": [enc(v) for v in value]}
        if isinstance(value, dict):
            return {"t": "dict", "v": [[enc(k), enc(v)] for k, v in dict.items(value)]}
        pd = sys.modules.get("pandas")

        def column(values):  # object columns (strings, mixed) as lists: npy cannot hold them without pickle
            values = np.asarray(values)
            return enc(values.tolist() if values.dtype == object else values)

        if pd is not None and isinstance(value, pd.DataFrame):
            return {
                "t": "df",
                "index": column(value.index),
                "columns": enc(list(value.columns)),
                "cols": [column(value.iloc[:, j]) for j in range(value.shape[1])],
            }
        if pd is not None and isinstance(value, pd.Series):
            return {
                "t": "series",
                "index": column(value.index),
                "v": column(value),
                "name": enc(value.name),
            }
        if _is_keras(value):
            import keras

            return {
                "t": "keras",
                "config": json.loads(json.dumps(keras.saving.serialize_keras_object(value), default=str)),
                "weights": [enc(np.asarray(w)) for w in value.get_weights()],
            }
        if callable(value) and not isinstance(value, type):
            return {"t": "fn", **self.export(value)}
        if not self.trusted and hasattr(value, "__array__"):  # a tensor, a matrix...: its values
            return {"t": "nd", "b": _npy(np.asarray(value))}
        raise ChannelError(
            f"a value of type {type(value).__module__}.{type(value).__qualname__} cannot be sent to the grader: "
            "use numbers, strings, NumPy arrays, or lists, tuples and dicts of them"
        )

    # -- decode ------------------------------------------------------------------------------------
    def decode(self, data, depth: int = 0):
        if depth > 60:
            raise ChannelError("value nested too deeply")
        dec = lambda v: self.decode(v, depth + 1)  # noqa: E731
        if data is None or type(data) in (bool, int, float, str):
            return data
        if type(data) is not dict or type(data.get("t")) is not str:
            raise ChannelError(f"malformed value on the channel: {type(data).__name__}")
        t = data["t"]
        if t == "nd":
            return _unnpy(data["b"])
        if t == "np":
            return _unnpy(data["b"])[()]
        if t == "int":
            return int(str(data["v"]))
        if t == "float":
            return float(str(data["v"]))
        if t == "complex":
            return complex(float(data["v"][0]), float(data["v"][1]))
        if t == "bytes":
            return base64.b64decode(str(data["b"]), validate=True)
        if t in ("tuple", "list", "set", "frozenset"):
            items = [dec(v) for v in list(data["v"])]
            return {"tuple": tuple, "list": list, "set": set, "frozenset": frozenset}[t](items)
        if t == "dict":
            return {dec(k): dec(v) for k, v in list(data["v"])}
        if t == "df":
            import pandas as pd

            columns = dec(data["columns"])
            cols = [dec(c) for c in data["cols"]]
            return pd.DataFrame(dict(enumerate(cols)), index=dec(data["index"])).set_axis(columns, axis=1)
        if t == "series":
            import pandas as pd

            return pd.Series(dec(data["v"]), index=dec(data["index"]), name=dec(data["name"]))
        if t == "keras":
            return self._keras(data)
        if t == "fn":
            return self.remote(data)
        raise ChannelError(f"unknown value tag on the channel: {t!r}")

    def _keras(self, data):
        import keras

        config = data["config"]
        if self.trusted:
            _check_keras_config(config)
        obj = keras.saving.deserialize_keras_object(config, safe_mode=True)
        weights = [self.decode(w) for w in data["weights"]]
        if weights:
            obj.set_weights(weights)
        return obj

    # -- whole messages ----------------------------------------------------------------------------
    @staticmethod
    def dumps(message) -> str:
        text = json.dumps(message, allow_nan=False, separators=(",", ":"))
        if len(text) > MAX_BYTES:
            raise ChannelError(
                f"message of {len(text) / 2**20:.0f} MiB is larger than the {MAX_BYTES // 2**20} MiB limit"
            )
        return text

    @staticmethod
    def loads(text: str):
        if not isinstance(text, str) or len(text) > MAX_BYTES:
            raise ChannelError("message too large or not text")
        return json.loads(text)


def _check_keras_config(config, depth: int = 0) -> None:
    """Refuse Keras configs that name modules outside Keras or carry code: the checker rebuilds only layers."""
    if depth > 200:
        raise ChannelError("Keras config nested too deeply")
    if isinstance(config, dict):
        module = config.get("module")
        if isinstance(module, str) and not (module == "keras" or module.startswith("keras.")):
            raise ChannelError(f"Keras config names the module {module!r}: only keras.* classes are rebuilt")
        if config.get("registered_name") not in (None, config.get("class_name")) and "module" in config:
            raise ChannelError(f"Keras config names a custom object {config.get('registered_name')!r}")
        if config.get("class_name") in ("Lambda", "TFOpLambda", "function") or "function_type" in config:
            raise ChannelError("a Keras Lambda layer carries code: it is not rebuilt")
        for value in config.values():
            _check_keras_config(value, depth + 1)
    elif isinstance(config, list):
        for value in config:
            _check_keras_config(value, depth + 1)
