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

# %%
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

# %%
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

# %%
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

# %%
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


# %% nbgrader={"grade": false, "grade_id": "ex1_lstm_param_count", "locked": false, "schema_version": 3, "solution": true}
def lstm_param_count(D, H):
    """Number of parameters of keras.layers.LSTM(H) on inputs of shape (N, T, D).

    Args:
        D: the number of input features per step.
        H: the number of hidden units (`units`).

    Returns:
        An int: W (D, 4H) + U (H, 4H) + b (4H,), blocks i, f, c, o.
    """
    ### BEGIN SOLUTION
    per_block = H * (H + D) + H  # W_* (D, H) + U_* (H, H) + b_* (H,)
    return 4 * per_block
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex1_lstm_param_count", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check lstm_param_count against the formula and against Keras' own count."""
assert lstm_param_count(1, 50) == 10400, (
    "LSTM(50) on 1 feature has 4 * (50 * (50 + 1) + 50) = 10400 parameters: four blocks i, f, c, o, "
    "each with W (D, H), U (H, H) and a bias (H,)"
)
_m = keras.Sequential([keras.Input(shape=(None, 10)), keras.layers.LSTM(16)])
assert lstm_param_count(10, 16) == _m.count_params(), (
    f"LSTM(16) on 10 features: Keras counts {_m.count_params()}, you returned lstm_param_count(10, 16) = "
    f"{lstm_param_count(10, 16)} (the arguments are (D, H): features first, then units)"
)
### BEGIN HIDDEN TESTS
import helpers.lstm

for _H, _D in [(1, 1), (3, 7), (64, 3), (100, 200)]:
    assert int(lstm_param_count(_D, _H)) == helpers.lstm.lstm_param_count(_D, _H), (
        f"wrong count for D={_D}, H={_H}: expected {helpers.lstm.lstm_param_count(_D, _H)}"
    )
assert lstm_param_count(1, 1) == 12, "one unit, one feature: each of the 4 blocks has w, u and b"
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 2 — build a stacked LSTM (2 points)
#
# Write `build_stacked_lstm(timesteps, features, units=(32, 16), horizon=1)`: a `keras.Model` from
# (N, T, D) to (N, horizon) made of one LSTM per entry of `units` (bottom to top) and a `Dense(horizon)`
# head. Build it, don't compile or train it. `timesteps` may be `None` (any length).


# %% nbgrader={"grade": false, "grade_id": "ex2_build_stacked_lstm", "locked": false, "schema_version": 3, "solution": true}
def build_stacked_lstm(timesteps, features, units=(32, 16), horizon=1):
    """Stacked LSTM layers with a Dense head, untrained.

    Args:
        timesteps: T, or None for any sequence length.
        features: D, features per step.
        units: hidden units of each LSTM layer, bottom to top (at least one layer).
        horizon: number of outputs of the Dense head.

    Returns:
        A keras.Model mapping (N, T, D) to (N, horizon).
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


# %%
demo = build_stacked_lstm(20, 3, units=(8, 4), horizon=2)
print(tuple(demo(np.zeros((5, 20, 3), "float32")).shape), demo.count_params())

# %% nbgrader={"grade": true, "grade_id": "test_ex2_build_stacked_lstm", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check the stacked model's output shape and parameter count on a dummy input (no training)."""
_model = build_stacked_lstm(20, 3, units=(8, 4), horizon=2)
_out = _model(np.zeros((5, 20, 3), "float32"))
assert tuple(_out.shape) == (5, 2), f"output should be (N, horizon) = (5, 2), got {tuple(_out.shape)}"
_want = 4 * (8 * (8 + 3) + 8) + 4 * (4 * (4 + 8) + 4) + (4 * 2 + 2)
assert _model.count_params() == _want, (
    f"expected {_want} parameters: LSTM(8) on 3 features + LSTM(4) on 8 features + Dense(2) on 4; "
    f"got {_model.count_params()}"
)
_lstms = [layer for layer in _model.layers if isinstance(layer, keras.layers.LSTM)]
assert len(_lstms) == 2, f"one LSTM layer per entry of units, found {len(_lstms)}"
### BEGIN HIDDEN TESTS
import helpers.keras_models

_one = build_stacked_lstm(None, 1, units=(6,), horizon=1)
for _T in (1, 13):
    assert tuple(_one(np.zeros((1, _T, 1), "float32")).shape) == (1, 1), "timesteps=None must accept any T"
assert _one.count_params() == helpers.keras_models.build_stacked_lstm(None, 1, units=(6,)).count_params()
_three = build_stacked_lstm(7, 2, units=(5, 4, 3), horizon=4)
assert tuple(_three(np.ones((2, 7, 2), "float32")).shape) == (2, 4)
assert (
    _three.count_params() == helpers.keras_models.build_stacked_lstm(7, 2, units=(5, 4, 3), horizon=4).count_params()
), "three layers"
assert getattr(_three, "optimizer", None) is None, "build the model only: do not compile it"
### END HIDDEN TESTS

# %% [markdown]
# ## 3. The toy example, and what it really learned
#
# A very common first example feeds three tiny sequences to an `LSTM(50, activation='relu')`:
# [1, 2, 3] → 4, [2, 3, 4] → 5, [3, 4, 5] → 6, trains it, and shows that it "predicts the next number".
# Let's train it exactly like that (no scaling, three samples, fixed seed; 500 Adam steps on the
# three samples), then ask it about [4, 5, 6], just past the training data, and about [10, 11, 12], far
# beyond it. The model has 10,400 + 51 parameters for three examples.

# %%
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

# %%
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


# %% nbgrader={"grade": false, "grade_id": "ex3_window_series", "locked": false, "schema_version": 3, "solution": true}
def window_series(series, window, lead=1):
    """Cut a 1-D series into (window, target) pairs.

    Args:
        series: array of shape (L,).
        window: W, steps per input window.
        lead: the target is `lead` steps after the window's last value (1 = the next value).

    Returns:
        (X, y): X of shape (N, W, 1), y of shape (N,), N = L - W - lead + 1.

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
"""Check window_series on a ramp: shapes, the first and last pairs, lead 2, and the too-short error."""
_X, _y = window_series(np.arange(10.0), 3)
assert _X.shape == (7, 3, 1), (
    f"10 values, window 3, lead 1 give 10 - 3 - 1 + 1 = 7 windows of shape (3, 1); got X.shape={_X.shape}"
)
assert _y.shape == (7,), f"y should be (N,) = (7,), got {_y.shape}"
np.testing.assert_array_equal(_X[0, :, 0], [0, 1, 2], err_msg="the first window is series[0:3]")
assert _y[0] == 3, f"the target of [0, 1, 2] is the NEXT value 3, got {_y[0]} (off by one?)"
assert _y[-1] == 9, f"the last pair should use the last value 9 as its target, got {_y[-1]}"
_X2, _y2 = window_series(np.arange(10.0), 3, lead=2)
assert _X2.shape == (6, 3, 1) and _y2[0] == 4, "lead=2: the target of [0, 1, 2] is 4, and there are 6 pairs"
try:
    window_series(np.arange(3.0), 3)
except ValueError:
    pass
else:
    raise AssertionError("3 values cannot make a window of 3 plus a target: raise ValueError")
### BEGIN HIDDEN TESTS
import helpers.data

_s = np.random.default_rng(5).normal(size=40)
for _W, _h in [(5, 1), (1, 1), (4, 3), (39, 1)]:
    _Xs, _ys = window_series(_s, _W, _h)
    _Xr, _yr = helpers.data.window_series(_s, _W, _h)
    np.testing.assert_allclose(np.asarray(_Xs, float).reshape(_Xr.shape), _Xr, err_msg=f"windows, W={_W}, lead={_h}")
    assert np.asarray(_Xs).shape == _Xr.shape, f"X shape for W={_W}, lead={_h}"
    np.testing.assert_allclose(np.asarray(_ys, float).reshape(-1), _yr, err_msg=f"targets, W={_W}, lead={_h}")
_dsk = keras.utils.timeseries_dataset_from_array(_s[:-2], _s[5 - 1 + 2 :], sequence_length=5, batch_size=1000)
_Xk, _yk = next(iter(_dsk))
np.testing.assert_allclose(
    window_series(_s, 5, 2)[1], _yk.numpy(), rtol=1e-6, err_msg="agree with timeseries_dataset_from_array"
)
assert window_series(np.arange(4.0), 3)[0].shape == (1, 3, 1), "L = W + lead gives exactly one window"
### END HIDDEN TESTS

# %% [markdown]
# ## 5. The sine-wave example, done properly
#
# The other classic: windows of 50 steps of a sine wave, predict the next value. Done properly means:
# train on the **beginning** of the series and evaluate on a **held-out tail** the model never saw
# (no shuffling across the split), and look at the predictions against the truth.

# %%
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


# %% nbgrader={"grade": false, "grade_id": "ex4_recursive_forecast", "locked": false, "schema_version": 3, "solution": true}
def recursive_forecast(predict_fn, history, steps):
    """Forecast `steps` values, feeding each prediction back as the newest input.

    Args:
        predict_fn: function from an array of shape (1, W, 1) to the next value (one element).
        history: the last W observed values, shape (W,) or (W, 1).
        steps: number of values to forecast (0 or more).

    Returns:
        Array of shape (steps,).
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
"""Check recursive_forecast with plain NumPy predictors: predictions are fed back and the window slides."""


def _plus_one(w):  # next value = last value + 1
    return w[:, -1, :] + 1


_f = recursive_forecast(_plus_one, np.array([1.0, 2.0, 3.0]), 4)
assert np.shape(_f) == (4,), f"forecast should have shape (steps,) = (4,), got {np.shape(_f)}"
np.testing.assert_allclose(
    _f,
    [4, 5, 6, 7],
    err_msg=(
        "with next = last + 1 the forecast must continue 4, 5, 6, 7: each prediction has to become the "
        "newest input of the next step"
    ),
)


def _mean_of_window(w):  # next value = mean of the window; also checks the window keeps its length
    assert w.shape == (1, 3, 1), f"predict_fn must get a window of shape (1, W, 1) = (1, 3, 1), got {w.shape}"
    return w.mean(axis=1)


np.testing.assert_allclose(
    recursive_forecast(_mean_of_window, [0.0, 0.0, 3.0], 3),
    [1.0, 4 / 3, 16 / 9],
    err_msg=(
        "window [0, 0, 3] -> 1; then [0, 3, 1] -> 4/3; then [3, 1, 4/3] -> 16/9: drop the oldest value, append the prediction"
    ),
)
### BEGIN HIDDEN TESTS
import helpers.forecast

_coef = np.array([0.3, -0.5, 1.1])


def _ar(w):
    return np.array([[w[0, :, 0] @ _coef + 0.1]])


_hist = np.random.default_rng(2).normal(size=3)
np.testing.assert_allclose(
    recursive_forecast(_ar, _hist, 12),
    helpers.forecast.recursive_forecast(_ar, _hist, 12),
    err_msg="linear AR(3) predictor",
)
np.testing.assert_allclose(
    recursive_forecast(_ar, _hist[:, None], 5),
    helpers.forecast.recursive_forecast(_ar, _hist, 5),
    err_msg="history of shape (W, 1)",
)
assert np.shape(recursive_forecast(_ar, _hist, 0)) == (0,), "steps=0 gives an empty forecast"
np.testing.assert_allclose(
    recursive_forecast(lambda w: 2 * w[0, -1, 0], [1.5], 3), [3, 6, 12], err_msg="window of one value"
)
_calls = []
recursive_forecast(lambda w: _calls.append(w.copy()) or 0.0, [5.0, 6.0], 3)
assert len(_calls) == 3 and _calls[-1].shape == (1, 2, 1), "one call per step, each with a (1, W, 1) window"
np.testing.assert_allclose(_calls[-1][0, :, 0], [0.0, 0.0], err_msg="after two steps the window holds only predictions")
### END HIDDEN TESTS

# %% [markdown]
# Now the trained sine model, forecasting the whole held-out tail recursively from the 50 values before
# it, against its one-step-ahead predictions and the truth:

# %%
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

# %%
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

# %%
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

# %%
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
