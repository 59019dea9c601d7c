# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 05 — LSTM layers in Keras
#
# In lessons 03 and 04 you wrote an LSTM cell in NumPy, forward and backward. Now we use the real thing:
# `keras.layers.LSTM`. Most tutorials show it with a handful of lines; many of those lines hide a trap
# (a missing `return_sequences`, a window that is off by one, an `activation='relu'` copied from a blog,
# a "forecast" that quietly peeks at the true values). This lesson takes the common examples and does
# them right, measuring everything.
#
# **What you will learn**
#
# - the shapes Keras expects, `(N, T, D)`, and how `keras.Input(shape=(None, D))` accepts any length;
# - what `return_sequences` and `return_state` return, how to stack LSTMs and put a Dense head on top;
# - how to count an LSTM's parameters by hand, $4\,(H(H+D)+H)$, with the gate blocks packed in the order **i, f, c, o**;
# - how to cut a series into (window, next value) pairs without an off-by-one error, and how a
#   recursive multi-step forecast feeds its own predictions back (and drifts);
# - why the default `tanh` activation is the safe choice, and what `activation='relu'` costs.
#
# **Why it matters.** A Keras model that "runs" is not necessarily the model you meant: shape mistakes
# either crash or, worse, silently train on the wrong target. Knowing what each argument does lets you
# read other people's code critically and write your own correctly.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from helpers.env import deterministic_keras, quiet_tensorflow, seed_everything

quiet_tensorflow()  # before the first `import keras`
import keras
import tensorflow as tf

from helpers.plotting import use_course_style

deterministic_keras()  # deterministic ops: the same seed gives the same numbers
rng = seed_everything(0)
use_course_style()
print("Keras", keras.__version__, "| TensorFlow", tf.__version__)

# %% [markdown]
# ## 1. Shapes: `(N, T, D)` in, `(N, H)` or `(N, T, H)` out
#
# A recurrent layer reads a batch of sequences, a 3-D array of shape **(N, T, D)**: N sequences
# (samples), T time steps each, D features per step. A univariate series cut into windows of 50 steps is
# `(N, 50, 1)` — the last axis is there even when there is one feature.
#
# The layer runs the LSTM cell of lesson 03 over the T steps:
#
# $$
# \begin{aligned}
# i_t &= \sigma(W_i x_t + U_i h_{t-1} + b_i), &
# f_t &= \sigma(W_f x_t + U_f h_{t-1} + b_f), \\
# \tilde c_t &= \tanh(W_c x_t + U_c h_{t-1} + b_c), &
# o_t &= \sigma(W_o x_t + U_o h_{t-1} + b_o), \\
# c_t &= f_t \odot c_{t-1} + i_t \odot \tilde c_t, &
# h_t &= o_t \odot \tanh(c_t).
# \end{aligned}
# $$
#
# By default it returns only the last hidden state $h_T$, shape (N, H). The time axis is not part of the
# weights, so `keras.Input(shape=(None, D))` (the old `input_shape=(None, D)`) builds a model that accepts
# **any** sequence length. The same model on two lengths:

# %% tags=["demo"]
inputs = keras.Input(shape=(None, 10))  # any T, 10 features
model_any_T = keras.Model(inputs, keras.layers.LSTM(4)(inputs))

for T in (7, 31):
    x = rng.normal(size=(2, T, 10)).astype("float32")  # (N, T, D) = (2, T, 10)
    print(f"input {x.shape} -> output {tuple(model_any_T(x).shape)}")

# %% [markdown]
# `return_sequences=True` returns every $h_t$, shape (N, T, H) — what the next recurrent layer needs as
# its input sequence. `return_state=True` additionally returns the final states $h_T$ and $c_T$ (each
# (N, H)), e.g. to initialise another LSTM. With both, the first output is the whole sequence and its
# last step equals $h_T$:

# %% tags=["demo"]
x = rng.normal(size=(3, 5, 10)).astype("float32")  # N=3, T=5, D=10
lstm = keras.layers.LSTM(4, return_sequences=True, return_state=True)
seq, h_T, c_T = lstm(x)
print("sequence of h_t:", tuple(seq.shape), "| h_T:", tuple(h_T.shape), "| c_T:", tuple(c_T.shape))
print("last step of the sequence equals h_T:", np.allclose(seq[:, -1], h_T))
print("h_T equals o_T * tanh(c_T), so |h_T| < 1:", float(np.abs(h_T).max()) < 1)

# %% [markdown]
# **Stacking.** A second LSTM needs a sequence, so every LSTM *below the top one* must have
# `return_sequences=True`. Forgetting it is the most common stacking bug: the first layer then hands over
# a 2-D (N, H) array and Keras refuses it, because an LSTM expects a 3-D input:

# %% tags=["demo"]
try:
    keras.Sequential([keras.Input(shape=(20, 1)), keras.layers.LSTM(8), keras.layers.LSTM(4)])
except ValueError as err:
    print("ValueError:", str(err).splitlines()[0][:160])

stacked = keras.Sequential(
    [
        keras.Input(shape=(20, 1)),
        keras.layers.LSTM(8, return_sequences=True),  # (N, 20, 8): every h_t, for the next LSTM
        keras.layers.LSTM(4),  # (N, 4): only h_T
        keras.layers.Dense(1),  # (N, 1): the forecast
    ]
)
stacked.summary()

# %% [markdown]
# ## 2. Counting parameters by hand
#
# Each of the four blocks (input gate, forget gate, candidate, output gate) has input weights $W_*$ of
# shape (D, H), recurrent weights $U_*$ of shape (H, H) and a bias $b_*$ of shape (H,). Keras packs the
# four blocks side by side **in the order i, f, c, o**: `kernel` is (D, 4H), `recurrent_kernel` (H, 4H),
# `bias` (4H,). So
#
# $$
# \#\text{params}(\text{LSTM}) = 4\,\big(H\,(H + D) + H\big).
# $$
#
# For comparison: a SimpleRNN has one block, $H(H+D)+H$; a GRU has three (z, r, h) and, with Keras'
# default `reset_after=True`, two bias vectors per block, $3\,(H(H+D)+2H)$; a Dense layer has $DH + H$.

# %% tags=["demo"]
layer = stacked.layers[0]  # LSTM(8) on D = 1 feature
for w in layer.weights:
    print(f"{w.path:40s} {tuple(w.shape)}")
H, D = 8, 1
print("4 * (H*(H+D) + H) =", 4 * (H * (H + D) + H), "| Keras:", layer.count_params())
# The forget block of the bias (second of i, f, c, o) starts at 1 (unit_forget_bias=True), the others at 0:
print("bias blocks i, f, c, o:", layer.weights[2].numpy().reshape(4, H)[:, 0])


# %% [markdown]
# ## Exercise 1 — count an LSTM's parameters (2 points)
#
# Write `lstm_param_count(D, H)`: the number of trainable parameters of
# `keras.layers.LSTM(H)` (H = `units`) reading D features per step. Use the formula, not Keras. The
# arguments are in the order of lesson 03's `lstm_param_count(D, H)`: input features first, then units.
#
# **What is graded:** the returned number must equal Keras' `count_params()` exactly, for several
# `(D, H)` of positive integers, from one feature and one unit (`lstm_param_count(1, 1)`) to a few
# hundred. Return an `int` (a NumPy integer is fine too).


# %% nbgrader={"grade": false, "grade_id": "ex1_lstm_param_count", "locked": false, "schema_version": 3, "solution": true}
def lstm_param_count(D, H):
    """Number of parameters of keras.layers.LSTM(H) on inputs of shape (N, T, D).

    Args:
        D: the number of input features per step, an int >= 1.
        H: the number of hidden units (`units`), an int >= 1.

    Returns:
        An int, exactly Keras' count: W (D, 4H) + U (H, 4H) + b (4H,), blocks i, f, c, o.
    """
    ### BEGIN SOLUTION
    per_block = H * (H + D) + H  # W_* (D, H) + U_* (H, H) + b_* (H,)
    return 4 * per_block
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex1_lstm_param_count", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check lstm_param_count against the formula and against Keras' own count, from D = H = 1 up."""
from numbers import Number

import keras

import helpers.lstm
from helpers import grading

ex = grading.exercise(1, "lstm_param_count")


def _hint(D, H, got):  # what each plausible mistake gives for (D, H), and what it means
    block = H * (H + D) + H
    known = {
        4 * H * (H + D): "the biases are missing: each of the four blocks also has a bias of H values",
        3 * block: "three blocks counted: an LSTM has four (i, f, c, o); three is a GRU-like count",
        4 * block - 3 * H: "one shared bias counted: each of the four blocks has its own bias (H,), 4H in all",
        4 * (D * (D + H) + D): "D and H swapped: the arguments are (D, H), input features first, then units",
        4 * (D * (H + D) + H): "the recurrent weights look counted as (D, D): U_* maps h_{t-1} (H values) "
        "to H units, so it is (H, H)",
    }
    known.pop(4 * block, None)  # a mistake that happens to give the right count is no mistake here
    generic = "4 * (H * (H + D) + H): four blocks i, f, c, o, each with W (D, H), U (H, H) and a bias (H,)"
    return known.get(got, generic) if isinstance(got, Number) else "return the count as an int"


def _check(D, H, want):
    got = lstm_param_count(D, H)
    ex.equal(got, want, f"lstm_param_count(D={D}, H={H})", hint=_hint(D, H, got))


_check(1, 50, 10400)  # LSTM(50) on 1 feature: 4 * (50 * (50 + 1) + 50)
_keras_count = keras.Sequential([keras.Input(shape=(None, 10)), keras.layers.LSTM(16)]).count_params()
_check(10, 16, _keras_count)  # against Keras itself
_check(1, 1, 12)  # one unit, one feature: each of the 4 blocks has one w, one u and one b
### BEGIN HIDDEN TESTS
for _H, _D in [(3, 7), (64, 3), (100, 200), (5, 5)]:
    _check(_D, _H, helpers.lstm.lstm_param_count(_D, _H))
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 2 — build a stacked LSTM (2 points)
#
# Write `build_stacked_lstm(timesteps, features, units=(32, 16), horizon=1)`: a `keras.Model` from
# (N, T, D) to (N, horizon) made of one LSTM per entry of `units` (bottom to top) and a `Dense(horizon)`
# head. Build it, don't compile or train it. `timesteps` may be `None` (any length).
#
# **What is graded** (on a few small configurations, from one LSTM with `timesteps=None` to three
# stacked LSTMs; the model is only called on zeros, never trained):
#
# - one `keras.layers.LSTM` per entry of `units`, bottom to top, with those `units`;
# - `return_sequences=True` on every LSTM below the top one and `False` (the default) on the top one;
# - the last layer is `keras.layers.Dense(horizon)`;
# - the model is built for inputs of shape (N, `timesteps`, `features`), so that `count_params()` works
#   before any call (start from `keras.Input(shape=(timesteps, features))`) and equals Keras' count for
#   that architecture;
# - calling it on (N, T, D) gives (N, horizon); with `timesteps=None` any T works, T = 1 included;
# - it is not compiled (the caller picks the optimizer and the loss).
#
# A functional `keras.Model` or a `keras.Sequential` are both fine.


# %% nbgrader={"grade": false, "grade_id": "ex2_build_stacked_lstm", "locked": false, "schema_version": 3, "solution": true}
def build_stacked_lstm(timesteps, features, units=(32, 16), horizon=1):
    """Stacked LSTM layers with a Dense head, untrained.

    Args:
        timesteps: T, or None for any sequence length.
        features: D, features per step.
        units: tuple of the hidden units of each LSTM layer, bottom to top (at least one layer).
        horizon: number of outputs of the Dense head.

    Returns:
        An uncompiled, built keras.Model (functional or Sequential) mapping (N, T, D) to (N, horizon):
        LSTM(units[0], return_sequences=True), ..., LSTM(units[-1]), Dense(horizon).
    """
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=(timesteps, features))
    hidden = inputs
    for k, size in enumerate(units):
        is_top = k == len(units) - 1
        hidden = keras.layers.LSTM(size, return_sequences=not is_top)(hidden)
    head = keras.layers.Dense(horizon)(hidden)
    return keras.Model(inputs, head)
    ### END SOLUTION


# %% tags=["demo"]
demo = build_stacked_lstm(20, 3, units=(8, 4), horizon=2)
print(tuple(demo(np.zeros((5, 20, 3), "float32")).shape), demo.count_params())

# %% nbgrader={"grade": true, "grade_id": "test_ex2_build_stacked_lstm", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check the stacked model's layers, parameter count and output shape on zeros (no training)."""
import keras
import numpy as np

import helpers.keras_models
from helpers import grading

ex = grading.exercise(2, "build_stacked_lstm")


def _check(timesteps, features, units, horizon):
    what = f"build_stacked_lstm({timesteps}, {features}, units={units}, horizon={horizon})"
    try:
        model = build_stacked_lstm(timesteps, features, units=units, horizon=horizon)
    except ValueError as err:
        text = " ".join(str(err).split())
        hint = "the model could not be built"
        if "ndim" in text:
            hint = "an LSTM got a 2-D (N, H) input: every LSTM below the top one needs return_sequences=True"
        ex.true(False, what, expected="a model", got=f"ValueError: {text[:200]}", hint=hint)
    ex.true(isinstance(model, keras.Model), what, expected="a keras.Model", got=f"a {type(model).__name__}", hint=None)
    lstms = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
    ex.equal(len(lstms), len(units), f"{what}: number of LSTM layers", hint="one LSTM per entry of units")
    ex.equal(
        tuple(layer.units for layer in lstms),
        tuple(units),
        f"{what}: units of the LSTM layers, bottom to top",
        hint="units are listed bottom to top: units[0] is the LSTM that reads the input, units[-1] the top one",
    )
    flags = tuple(bool(layer.return_sequences) for layer in lstms)
    hint = "every LSTM below the top one needs return_sequences=True, to hand the next LSTM a sequence"
    if flags[-1]:
        hint = "the top LSTM must return only h_T (return_sequences=False); otherwise the head gives (N, T, horizon)"
    ex.equal(flags, tuple(k < len(units) - 1 for k in range(len(units))), f"{what}: return_sequences", hint=hint)
    head = model.layers[-1]
    ex.true(
        isinstance(head, keras.layers.Dense),
        f"{what}: the last layer",
        expected="a Dense layer",
        got=f"a {type(head).__name__}",
        hint="no Dense head: put keras.layers.Dense(horizon) on top of the last LSTM",
    )
    ex.equal(
        head.units, horizon, f"{what}: units of the Dense head", hint="the head is Dense(horizon), whatever horizon is"
    )
    ex.true(
        getattr(model, "optimizer", None) is None,
        f"{what}: compiled?",
        expected="an uncompiled model",
        got="a compiled one",
        hint="build the model only: do not compile it (the caller picks the optimizer and the loss)",
    )
    want = helpers.keras_models.build_stacked_lstm(timesteps, features, units=units, horizon=horizon)
    ex.equal(
        model.count_params(),
        want.count_params(),
        f"{what}: count_params() before any call",
        hint="build the model for its input first (keras.Input(shape=(timesteps, features))) so that the first "
        "LSTM reads `features` values per step",
    )
    for T in [timesteps] if timesteps else [1, 13]:
        out = np.asarray(model(np.zeros((2, T, features), "float32")))
        ex.shape(
            out,
            (2, horizon),
            f"{what}: output for an input of shape (2, {T}, {features})",
            hint="the model maps (N, T, D) to (N, horizon); with timesteps=None use keras.Input(shape=(None, D))",
        )


_check(20, 3, (8, 4), 2)  # two LSTMs and a Dense(2) head
_check(None, 1, (6,), 1)  # one LSTM, any length: T = 1 and T = 13
_check(7, 2, (5, 4, 3), 4)  # three LSTMs
### BEGIN HIDDEN TESTS
_check(None, 4, (3, 9), 3)
_check(12, 2, (4, 6, 2), 5)
### END HIDDEN TESTS

# %% tags=["demo"]
# Your two pieces together (not graded): the parameters of your stacked model, counted by your formula.
_mine = build_stacked_lstm(20, 3, units=(8, 4), horizon=2).count_params()
_by_formula = lstm_param_count(3, 8) + lstm_param_count(8, 4) + (4 * 2 + 2)  # + Dense(2) on h_T of 4 units
print(
    f"build_stacked_lstm(20, 3, (8, 4), 2) has {_mine} parameters; lstm_param_count says {_by_formula}:",
    "they agree" if _mine == _by_formula else "they DISAGREE (check Exercises 1 and 2)",
)

# %% [markdown]
# ## 3. The toy example, and what it really learned
#
# A very common first example feeds three tiny sequences to an `LSTM(50, activation='relu')`:
# [1, 2, 3] → 4, [2, 3, 4] → 5, [3, 4, 5] → 6, trains it, and shows that it "predicts the next number".
# Let's train it exactly like that (no scaling, three samples, fixed seed; 500 Adam steps on the
# three samples), then ask it about [4, 5, 6], just past the training data, and about [10, 11, 12], far
# beyond it. The model has 10,400 + 51 parameters for three examples.

# %% tags=["demo"]
X_toy = np.array([[1, 2, 3], [2, 3, 4], [3, 4, 5]], dtype="float32")[..., None]  # (N, T, D) = (3, 3, 1)
y_toy = np.array([4, 5, 6], dtype="float32")

keras.utils.set_random_seed(0)
toy = keras.Sequential([keras.Input(shape=(3, 1)), keras.layers.LSTM(50, activation="relu"), keras.layers.Dense(1)])
toy.compile(optimizer="adam", loss="mse")
steps = 500  # 500 updates on the 3 samples (the same as epochs=500, without the per-epoch overhead)
t0 = time.perf_counter()
toy.fit(np.tile(X_toy, (steps, 1, 1)), np.tile(y_toy, steps), batch_size=3, epochs=1, shuffle=False, verbose=0)
print(f"trained in {time.perf_counter() - t0:.1f} s; training MSE {toy.evaluate(X_toy, y_toy, verbose=0):.4f}")

queries = np.array([[1, 2, 3], [4, 5, 6], [10, 11, 12]], dtype="float32")[..., None]
for q, p in zip(queries[..., 0], toy.predict(queries, verbose=0)[:, 0]):
    print(f"{q} -> {p:7.3f}   (the rule 'next number' says {q[-1] + 1:.0f})")

# %% [markdown]
# When we ran this cell it printed a training MSE of 0.0009, and the predictions
# 3.970 for [1, 2, 3], 6.954 for [4, 5, 6] and **15.087 for [10, 11, 12]**, where the rule "next number"
# would say 13.
#
# Why? The network never saw an input above 5 or a target above 6. It fitted a function through three
# points; what it does elsewhere is an accident of its initialisation and of `relu`, which is linear on
# the positive side and so lets the output keep growing with the input (a `tanh` LSTM would saturate
# instead). Nothing here learned "add one". Two lessons that carry over to real data:
#
# - **Extrapolation is not learning.** Evaluate on data like the data you will meet; a model is only
#   trustworthy inside the range it was trained on.
# - **Scale the inputs.** LSTM gates are sigmoids and the candidate a `tanh`: they work best on values
#   around $[-1, 1]$. Raw values like 10, 11, 12 (or prices in the thousands) push them into saturation or,
#   with `relu`, make the states grow without bound (section 6).

# %% [markdown]
# ## 4. Windows: (the last W values) → (the next value)
#
# To forecast a series $s_0, s_1, \dots, s_{L-1}$ with an LSTM we cut it into training pairs: window $j$
# holds $s_j, \dots, s_{j+W-1}$ and its target is the value `lead` steps after the window's end,
# $s_{j+W-1+\text{lead}}$. With `lead=1` that is the very next value $s_{j+W}$. There are
# $L - W - \text{lead} + 1$ such pairs. Off-by-one errors here are silent: a target equal to the
# window's *last* value gives a model that looks brilliant (it copies its input) and forecasts nothing.
#
# Keras' `keras.utils.timeseries_dataset_from_array(data, targets, sequence_length)` pairs the window
# starting at `data[j]` with `targets[j]`, so passing `targets = series[W - 1 + lead:]` gives exactly these
# pairs:

# %% tags=["demo"]
toy_series = np.arange(8.0)
W = 3
ds = keras.utils.timeseries_dataset_from_array(toy_series[:-1], toy_series[W:], sequence_length=W, batch_size=64)
X_k, y_k = next(iter(ds))
for xw, yt in zip(X_k.numpy(), y_k.numpy()):
    print(xw, "->", yt)


# %% [markdown]
# ## Exercise 3 — cut a series into windows (3 points)
#
# Write `window_series(series, window, lead=1)` in NumPy (or with `timeseries_dataset_from_array`).
# Return `X` of shape (N, W, 1) — the feature axis included — and `y` of shape (N,), with
# $N = L - W - \text{lead} + 1$, window $j$ = `series[j : j + window]`, target `series[j + window - 1 + lead]`.
# Raise a `ValueError` if the series is too short for a single window.
#
# **What is graded:** `series` is a 1-D NumPy array of floats, `window` and `lead` are integers >= 1.
# Return two NumPy arrays (not tensors or a dataset); any float dtype, float32 included: the values are
# compared with a relative tolerance of 1e-6. The tests use ramps (as below) and random series, with
# `lead` 1 to 3, `window = 1`, and a series of exactly `window + lead` values (one window); a series
# shorter than that must raise a `ValueError`.


# %% nbgrader={"grade": false, "grade_id": "ex3_window_series", "locked": false, "schema_version": 3, "solution": true}
def window_series(series, window, lead=1):
    """Cut a 1-D series into (window, target) pairs.

    Args:
        series: NumPy array of shape (L,).
        window: W >= 1, steps per input window.
        lead: >= 1, the target is `lead` steps after the window's last value (1 = the next value).

    Returns:
        (X, y): NumPy arrays, X of shape (N, W, 1), y of shape (N,), N = L - W - lead + 1;
        X[j, :, 0] = series[j : j + W] and y[j] = series[j + W - 1 + lead].

    Raises:
        ValueError: if L < W + lead (not even one window).
    """
    ### BEGIN SOLUTION
    values = np.asarray(series, dtype=float)
    n_pairs = len(values) - window - lead + 1
    if n_pairs < 1:
        raise ValueError(f"series of length {len(values)} is too short for window={window}, lead={lead}")
    starts = np.arange(n_pairs)
    X = values[starts[:, None] + np.arange(window)][:, :, None]
    y = values[starts + window - 1 + lead]
    return X, y
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex3_window_series", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""Check window_series: shapes, the first pair, the count, all pairs, lead 2, W = 1, one window, too short."""
import numpy as np

import helpers.data
from helpers import grading

ex = grading.exercise(3, "window_series")
_tol = dict(rtol=1e-6, atol=1e-12)  # the stated precision: the values are the series' own (float32 is fine)


def _first_target_hint(s, window, lead, got):
    if np.isclose(got, s[window - 1]):
        return "the target is the window's own last value: off by one, it is the value `lead` steps after it"
    if lead > 1 and np.isclose(got, s[window]):
        return "lead looks ignored: the target is `lead` steps after the window's last value"
    if window + lead < len(s) and np.isclose(got, s[window + lead]):
        return "the target is one step too far: series[j + window - 1 + lead], not series[j + window + lead]"
    return "window j is series[j : j + window] and its target series[j + window - 1 + lead]"


def _count_hint(n_got, n_want):
    if n_got == n_want - 1:
        return "one window too few: N = L - W - lead + 1 (the last target is the series' last value)"
    if n_got == n_want + 1:
        return "one window too many: N = L - W - lead + 1 (the last target is the series' last value)"
    return "N = L - W - lead + 1 windows"


def _check(series, window, lead):
    what = f"window_series(series of length {len(series)}, window={window}, lead={lead})"
    X, y = window_series(series.copy(), window, lead)
    X_want, y_want = helpers.data.window_series(series, window, lead)
    X = ex.shape(X, (None, None, 1), f"{what}: X", hint="X must be 3-D, (N, W, 1): add the feature axis (X[..., None])")
    ex.shape(X, (None, window, 1), f"{what}: X", hint="each window holds W = window values")
    y = ex.shape(y, (None,), f"{what}: y", hint="y is 1-D, shape (N,): one target per window")
    if len(X) and len(y):
        ex.close(
            X[0, :, 0],
            X_want[0, :, 0],
            f"{what}: the first window X[0, :, 0]",
            **_tol,
            hint="window 0 is series[0 : window]",
        )
        ex.close(
            y[0],
            y_want[0],
            f"{what}: the first target y[0]",
            **_tol,
            hint=_first_target_hint(series, window, lead, y[0]),
        )
    ex.equal(len(X), len(X_want), f"{what}: number of windows N (len(X))", hint=_count_hint(len(X), len(X_want)))
    ex.equal(len(y), len(y_want), f"{what}: number of targets N (len(y))", hint=_count_hint(len(y), len(y_want)))
    ex.close(X, X_want, f"{what}: X", **_tol, hint="window j is series[j : j + window], for every j")
    ex.close(
        y, y_want, f"{what}: y", **_tol, hint="the target of window j is series[j + window - 1 + lead], for every j"
    )


def _too_short(series, window, lead):
    ex.raises(
        ValueError,
        window_series,
        series,
        window,
        lead,
        what=f"window_series(series of length {len(series)}, window={window}, lead={lead})",
        hint="the series is too short for one window plus its target (L < W + lead): raise a ValueError",
    )


_check(np.arange(10.0), 3, 1)  # 7 windows: [0, 1, 2] -> 3, ..., [6, 7, 8] -> 9
_check(np.arange(10.0), 3, 2)  # lead 2: [0, 1, 2] -> 4, 6 windows
_check(np.arange(10.0), 2, 3)  # lead 3: [0, 1] -> 4, 6 windows
_check(np.arange(10.0), 1, 1)  # W = 1: [0] -> 1, ..., [8] -> 9
_check(np.arange(4.0), 3, 1)  # L = W + lead: exactly one window, [0, 1, 2] -> 3
_too_short(np.arange(3.0), 3, 1)  # 3 values: no room for a window of 3 plus a target
_too_short(np.arange(5.0), 3, 3)  # 5 values < 3 + 3
### BEGIN HIDDEN TESTS
_s = np.random.default_rng(5).normal(size=40)
for _W, _h in [(5, 1), (1, 1), (4, 3), (39, 1), (2, 2)]:
    _check(_s, _W, _h)
_too_short(_s[:6], 4, 3)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. The sine-wave example, done properly
#
# The other classic: windows of 50 steps of a sine wave, predict the next value. Done properly means:
# train on the **beginning** of the series and evaluate on a **held-out tail** the model never saw
# (no shuffling across the split), and look at the predictions against the truth.

# %% tags=["demo"]
t_axis = np.arange(700)
series = np.sin(0.1 * t_axis)  # period of about 63 steps, values in [-1, 1]: no scaling needed
W = 50
split = 500  # train on s_0 .. s_499, test on the tail s_500 .. s_699

X_train, y_train = window_series(series[:split], W)
# test windows may start inside the training part, but every test *target* lies in the tail
X_test, y_test = window_series(series[split - W :], W)
print("train", X_train.shape, y_train.shape, "| test", X_test.shape, y_test.shape)

keras.utils.set_random_seed(0)
sine_model = keras.Sequential([keras.Input(shape=(W, 1)), keras.layers.LSTM(16), keras.layers.Dense(1)])
sine_model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
t0 = time.perf_counter()
hist = sine_model.fit(X_train, y_train, epochs=8, batch_size=32, verbose=0)
print(f"trained in {time.perf_counter() - t0:.1f} s; final training MSE {hist.history['loss'][-1]:.2e}")

one_step = sine_model.predict(X_test, verbose=0)[:, 0]
print(f"one-step-ahead test MAE: {np.abs(one_step - y_test).mean():.4f}")


# %% [markdown]
# Each test prediction above used 50 **true** values as input. That is a one-step-ahead forecast. To
# forecast further than one step, we have no true values for the future: we must feed the model's own
# prediction back in as the newest input, drop the oldest value, and repeat — a **recursive** forecast.
# Its errors accumulate, so it drifts.
#
# ## Exercise 4 — the recursive forecast loop (3 points)
#
# Write `recursive_forecast(predict_fn, history, steps)`. `predict_fn` maps a batch of one window,
# shape (1, W, 1), to the next value (e.g. `model.predict`, or any NumPy function). Start from the last W
# observed values `history`; at each step predict, store the prediction, and slide the window: drop its
# oldest value and append the prediction. Never use true future values.
#
# **What is graded:**
#
# - `predict_fn` is called exactly once per step, with a NumPy array of shape (1, W, 1) (float32 or
#   float64) holding the current window, oldest value first;
# - `predict_fn` may return a **Python or NumPy scalar**, an array of **shape (1,)**, or an array of
#   **shape (1, 1)** (what `model.predict` returns): take its single value whatever the kind, e.g.
#   `float(np.asarray(p).reshape(-1)[0])` or `np.squeeze(p).item()` (`p[0, 0]` only works for (1, 1),
#   and `float(p)` only for a scalar);
# - `history` is a list or array of shape (W,) or (W, 1), with W >= 1 (W = 1 included);
# - the result is an array (or list) of shape (steps,); `steps = 0` gives an empty one, shape (0,);
# - values are compared to 1e-5 relative and 1e-6 absolute, so float32 arithmetic is fine.


# %% nbgrader={"grade": false, "grade_id": "ex4_recursive_forecast", "locked": false, "schema_version": 3, "solution": true}
def recursive_forecast(predict_fn, history, steps):
    """Forecast `steps` values, feeding each prediction back as the newest input.

    Args:
        predict_fn: function from a NumPy array of shape (1, W, 1) to the next value: a scalar, or an
            array of shape (1,) or (1, 1) (as model.predict gives). Called once per step.
        history: the last W observed values (W >= 1), a list or array of shape (W,) or (W, 1).
        steps: number of values to forecast (0 or more).

    Returns:
        Array of shape (steps,): the predictions in order.
    """
    ### BEGIN SOLUTION
    current = np.asarray(history, dtype=float).reshape(-1)
    forecasts = []
    for _step in range(steps):
        next_value = float(np.asarray(predict_fn(current[None, :, None])).reshape(-1)[0])
        forecasts.append(next_value)
        current = np.concatenate([current[1:], [next_value]])  # slide: drop oldest, append prediction
    return np.array(forecasts, dtype=float)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex4_recursive_forecast", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""Check recursive_forecast with NumPy predictors of every return kind: the window slides, predictions are fed back."""
import numpy as np

import helpers.forecast
from helpers import grading

ex = grading.exercise(4, "recursive_forecast")
_tol = dict(rtol=1e-5, atol=1e-6)  # the stated precision: float32 windows are fine


def _window_hint(k, got, before, pred):  # what went wrong between the window of step k - 1 and that of step k
    if np.allclose(got, before):
        return "the window never slides: after each step drop the oldest value and append the prediction"
    if np.allclose(got, np.r_[before[1:], before[-1]]):
        return "teacher forcing: the last observed value was appended instead of the prediction (the newest input)"
    if np.allclose(got, np.r_[pred, before[:-1]]):
        return "the prediction was put at the front: the window runs oldest to newest, append it at the end"
    return "slide the window: drop its oldest value and append the prediction at the end"


def _check(predict, history, steps, kind):
    """Run recursive_forecast with `predict` (returning `kind`), recording the windows it is given."""
    what = f"recursive_forecast(predict_fn returning {kind}, history of shape {np.shape(history)}, steps={steps})"
    calls = []

    def recording(w):
        calls.append(np.array(w, dtype=float))
        return predict(w)

    want = helpers.forecast.recursive_forecast(predict, history, steps)
    try:
        got = recursive_forecast(recording, history.copy() if hasattr(history, "copy") else list(history), steps)
    except (IndexError, TypeError, ValueError) as err:
        ex.true(
            False,
            what,
            expected="a forecast",
            got=f"{type(err).__name__}: {' '.join(str(err).split())[:200]}",
            hint=f"predict_fn returned {kind}. It may return a scalar, shape (1,) or shape (1, 1): take its single "
            "value whatever the kind, e.g. float(np.asarray(p).reshape(-1)[0]) (p[0, 0] needs (1, 1), "
            "float(p) needs a scalar)",
        )
    W = np.size(history)
    values = np.concatenate([np.asarray(history, float).reshape(-1), want])  # what the windows should hold
    ex.equal(len(calls), steps, f"{what}: number of calls to predict_fn", hint="call predict_fn once per step")
    for k, w in enumerate(calls):
        ex.shape(
            w,
            (1, W, 1),
            f"{what}: the window given to predict_fn at step {k}",
            hint="the window must keep its length W: drop the oldest value when you append the prediction"
            if k
            else "predict_fn gets a batch of one window of the last W values, shape (1, W, 1)",
        )
        hint = _window_hint(k, w.reshape(-1), calls[k - 1].reshape(-1), want[k - 1]) if k else "start from history"
        ex.close(w.reshape(-1), values[k : k + W], f"{what}: the window at step {k}", **_tol, hint=hint)
    ex.shape(got, (steps,), f"{what}: the forecast", hint="return one value per step, shape (steps,)")
    ex.close(got, want, f"{what}: the forecast", **_tol, hint="return the predictions, in order")


def _plus_one(w):  # next = last + 1, returned with shape (1, 1) as model.predict does
    return w[:, -1, :] + 1


_check(_plus_one, np.array([1.0, 2.0, 3.0]), 4, "shape (1, 1)")  # 4, 5, 6, 7
_check(lambda w: w.mean(axis=(1, 2)), [0.0, 0.0, 3.0], 3, "shape (1,)")  # a list; 1, 4/3, 16/9
_check(lambda w: 2 * w[0, -1, 0], np.array([1.5]), 3, "a NumPy scalar")  # W = 1: 3, 6, 12
_check(lambda w: float(w.sum()) / 2, np.array([[1.0], [3.0]]), 3, "a Python float")  # history (W, 1): 2, 2.5, 2.25
_check(_plus_one, np.array([1.0, 2.0]), 0, "shape (1, 1)")  # steps = 0: no call, shape (0,)
### BEGIN HIDDEN TESTS
_coef = np.array([0.3, -0.5, 1.1])
_hist = np.random.default_rng(2).normal(size=3)
_check(lambda w: np.array([[w[0, :, 0] @ _coef + 0.1]]), _hist, 12, "shape (1, 1)")  # a linear AR(3)
_check(lambda w: w[0, :, 0] @ _coef - 0.2, _hist[:, None], 5, "a NumPy scalar")
_check(lambda w: np.array([0.5 * w[0, 0, 0] + 0.4 * w[0, -1, 0]]), np.linspace(-1, 1, 10), 20, "shape (1,)")
_check(lambda w: 0.0, [5.0, 6.0], 3, "a Python float")  # after two steps the window holds only predictions
_check(lambda w: float(w[0, 0, 0]) + 1.0, [2.0], 4, "a Python float")
_check(lambda w: np.array([1.0]), np.zeros(5), 0, "shape (1,)")
### END HIDDEN TESTS

# %% [markdown]
# Now the trained sine model, forecasting the whole held-out tail recursively from the 50 values before
# it, against its one-step-ahead predictions and the truth:

# %% tags=["demo"]
# model.predict on one window at a time is slow (it builds a dataset per call); a compiled call is fast
fast_call = tf.function(lambda w: sine_model(w, training=False), input_signature=[tf.TensorSpec((1, W, 1), tf.float32)])


def predict_next(window):
    return fast_call(tf.constant(window, tf.float32)).numpy()


t0 = time.perf_counter()
rec = recursive_forecast(predict_next, series[split - W : split], len(y_test))
print(f"{len(rec)} recursive steps in {time.perf_counter() - t0:.1f} s")
err_one, err_rec = np.abs(one_step - y_test), np.abs(rec - y_test)
for lo, hi in [(0, 20), (80, 100), (180, 200)]:
    print(
        f"steps {lo:3d}-{hi:3d} ahead: one-step MAE {err_one[lo:hi].mean():.4f} | recursive MAE {err_rec[lo:hi].mean():.4f}"
    )

fig, axes = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
tail = t_axis[split:]
axes[0].plot(t_axis[split - 150 : split], series[split - 150 : split], color="0.6", label="training data (end)")
axes[0].plot(tail, y_test, color="black", label="truth (held-out tail)")
axes[0].plot(tail, one_step, "--", label="one-step-ahead (true inputs)")
axes[0].plot(tail, rec, label="recursive (own predictions fed back)")
axes[0].set(title="LSTM(16) on a sine wave: one-step vs recursive forecast", ylabel="value")
axes[0].legend(loc="lower left")
axes[1].plot(tail, err_one, "--", label="one-step-ahead")
axes[1].plot(tail, err_rec, label="recursive")
axes[1].set(title="Absolute error on the held-out tail", xlabel="time step t", ylabel="|error|")
axes[1].legend(loc="upper left")
fig.tight_layout()
plt.show()

# %% [markdown]
# When we ran it, the one-step-ahead error stayed small (0.0047 mean absolute error over the tail), while the recursive
# forecast's error grew with the horizon: 0.026 over the first 20 steps, 0.29 over the last 20.
# A recursive forecast feeds its own small errors back as inputs; they shift the phase and amplitude a
# little more at every step. Reporting one-step accuracy for a model that will be used recursively
# overstates its quality — lesson 07 compares such forecasts against honest baselines.

# %% [markdown]
# ## 6. `activation='relu'` or the default `tanh`?
#
# Many tutorials write `LSTM(50, activation='relu')`. That replaces the two `tanh`s of the cell, in the
# candidate $\tilde c_t$ and in $h_t = o_t \odot \tanh(c_t)$, by $\max(0, \cdot)$. With `tanh`, $|h_t| < 1$
# always: whatever the input, the state fed back through $U$ stays bounded. With `relu` nothing bounds
# $\tilde c_t$ or $h_t$, and $h_t$ feeds the next step's gates and candidate: large inputs and long
# sequences can let the states grow. Measured on an untrained LSTM(32) (the same initial weights for
# both activations) fed a sine wave of growing amplitude for 1000 steps:

# %% tags=["demo"]
T_long = 1000
amplitudes = np.array([1, 10, 30, 100])
# a batch of 4 sine waves, one per amplitude: (N, T, D) = (4, 1000, 1)
x_long = (amplitudes[:, None] * np.sin(0.1 * np.arange(T_long))[None, :])[..., None].astype("float32")
max_h = {}
for activation in ("tanh", "relu"):
    keras.utils.set_random_seed(1)  # same initial weights for both activations
    layer = keras.layers.LSTM(32, activation=activation, return_sequences=True)
    states = tf.function(layer)(x_long).numpy()  # (4, T, 32); tf.function runs one compiled loop
    max_h[activation] = np.abs(states).max(axis=(1, 2))  # max |h_t| per sequence
for k, amplitude in enumerate(amplitudes):
    print(
        f"input amplitude {amplitude:4d} | max |h_t| over {T_long} steps: tanh {max_h['tanh'][k]:7.3f} | relu {max_h['relu'][k]:9.3f}"
    )

# %% tags=["demo"]
fig, ax = plt.subplots()
for activation, marker in (("tanh", "o"), ("relu", "s")):
    ax.plot(amplitudes, max_h[activation], marker=marker, label=f"activation='{activation}'")
ax.set(
    xscale="log",
    yscale="log",
    xlabel="input amplitude",
    ylabel="max |h_t| over 1000 steps",
    title="Untrained LSTM(32): tanh keeps the state bounded, relu does not",
)
for activation in ("tanh", "relu"):
    for amplitude, value in zip(amplitudes, max_h[activation]):
        if not np.isfinite(value):  # a NaN/inf state cannot be drawn on a log axis: say so
            top = np.nanmax(np.where(np.isfinite(max_h[activation]), max_h[activation], np.nan))
            ax.annotate(
                f"{activation}: {value} at amplitude {amplitude} (not drawn)",
                (amplitude, top),
                xytext=(-200, -60),
                textcoords="offset points",
                arrowprops=dict(arrowstyle="->"),
            )
ax.legend()
plt.show()

# %% [markdown]
# When we ran it: with `tanh` the largest $|h_t|$ never exceeded 1 (1.000 at amplitude 100). With `relu` it
# grew with the input: 3.79 at amplitude 10, 30.7 at amplitude 30, and at amplitude 100 the
# computation broke down to `nan` (a NaN cannot be drawn on a log axis: the arrow marks it).
#
# And in training? The same small model (LSTM(16), Adam 0.01, 3 epochs) on windows of 100 steps of the
# sine wave, once scaled to $[-1, 1]$ and once with amplitude 10 (unscaled data):

# %% tags=["demo"]
s_axis = np.arange(500)
for amplitude in (1, 10):
    X_amp, y_amp = window_series(amplitude * np.sin(0.1 * s_axis), 100)  # (400, 100, 1)
    for activation in ("tanh", "relu"):
        keras.utils.set_random_seed(0)
        m = keras.Sequential(
            [keras.Input(shape=(100, 1)), keras.layers.LSTM(16, activation=activation), keras.layers.Dense(1)]
        )
        m.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        losses = m.fit(X_amp, y_amp, epochs=3, batch_size=32, verbose=0).history["loss"]
        rel = np.array(losses) / np.var(y_amp)  # MSE relative to predicting the mean
        print(f"amplitude {amplitude:2d} | {activation:4s} | training MSE / variance per epoch: {np.round(rel, 4)}")

# %% [markdown]
# What we measured: on the scaled series (amplitude 1) `tanh` brought the training MSE down to 0.3 % of the variance in 3 epochs, while `relu` was still at 32 %. On the unscaled series (amplitude 10) the order flipped: `relu` reached 6.7 %, `tanh` only 21 % — large inputs push the `tanh` units into saturation, where they learn slowly.
#
# So `relu` is not simply "worse": on unscaled data the saturating `tanh` struggles as well. The robust
# recipe is **scale the data and keep the defaults**. Two more reasons to keep `tanh`:
#
# - **Bounded states.** $|h_t|<1$ with `tanh`, for any input and any sequence length; with `relu` the
#   bound is gone (the table above), and a long or badly scaled input can make the states, and the
#   gradients through them, blow up.
# - **The fast kernel.** The Keras documentation of `keras.layers.LSTM` says the fused cuDNN
#   implementation is used on a GPU only if `activation == tanh`, `recurrent_activation == sigmoid`,
#   `recurrent_dropout == 0`, `unroll` is `False`, `use_bias` is `True`, masked inputs are strictly
#   right-padded and eager execution is enabled in the outermost context. With the default
#   `use_cudnn="auto"`, changing the activation silently falls back to the generic, slower loop. (This machine has no GPU, so we quote the documentation instead of measuring it.)

# %% [markdown]
# ## Key takeaways
#
# - Recurrent layers take **(N, T, D)**; the feature axis is needed even for one feature.
#   `keras.Input(shape=(None, D))` accepts any length T.
# - `return_sequences=True` gives every $h_t$, (N, T, H) — required on every LSTM below the top of a stack;
#   `return_state=True` adds $h_T$ and $c_T$.
# - An LSTM has $4\,(H(H+D)+H)$ parameters: four blocks **i, f, c, o** packed in Keras' `kernel` (D, 4H),
#   `recurrent_kernel` (H, 4H) and `bias` (4H,). The forget block of the bias starts at 1.
# - A window of W values predicts the value `lead` steps after its **last** value: check the first
#   pair by hand. Evaluate on a held-out tail.
# - A model trained on three points extrapolates arbitrarily: [10, 11, 12] is not "13" just because the
#   training data followed a rule.
# - A recursive forecast feeds predictions back; its error grows with the horizon. Don't report
#   one-step errors for a multi-step use.
# - Keep `activation='tanh'` (bounded states, the fast cuDNN kernel) and scale your inputs.
#
# ## What's next
#
# Lesson 06 asks the question behind all of this: does an LSTM really remember longer than a simple RNN?
# We build a task where the answer depends on a word k steps back and measure SimpleRNN, LSTM and GRU
# against k.
