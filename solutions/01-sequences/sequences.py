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
# # Lesson 01 — Sequences and recurrent networks
#
# **What you will learn**
#
# - how sequence data is stored for a recurrent network: a batch of shape (N, T, D) — samples, time steps, features;
# - how to cut one long time series into training pairs with **sliding windows**, and how many windows you get;
# - the **vanilla RNN** step $h_t = \tanh(W x_t + U h_{t-1} + b)$ and the loop that applies it along a sequence, in NumPy;
# - **memory as decay**: why `memory = 0.95 * memory + 0.05 * value` is already a recurrent network with a fixed gate, what it forgets and how fast, and why a gate that *depends on the input* does better.
#
# **Why it matters.** Every model in this course — the RNN, the LSTM, the GRU, the Keras layers — consumes (N, T, D) arrays
# and runs a loop over time that carries a state. If the shapes, the windows and the loop are clear, the LSTM in lesson 03
# is "the same loop with a better update rule". And the gate you meet at the end of this lesson is the idea that makes
# the LSTM work.

# %%
import matplotlib.pyplot as plt
import numpy as np

from helpers.env import seed_everything
from helpers.plotting import use_course_style

rng = seed_everything(0)
use_course_style()
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Sequences as (N, T, D)
#
# A sequence is a list of observations **in an order that matters**: words of a sentence, the half-hourly electricity demand
# of a city, the readings of a sensor. Shuffle the steps and you lose the information.
#
# A recurrent network reads one step at a time. At step $t$ it sees a vector $x_t$ of $D$ **features** (one number for a
# single sensor; temperature *and* demand *and* a weekday flag would be $D = 3$). A whole sequence is then a $T \times D$
# array, and a **batch** of $N$ sequences — what we train on — is a 3-D array:
#
# | letter | axis | meaning |
# | --- | --- | --- |
# | **N** | 0 | samples in the batch |
# | **T** | 1 | time steps |
# | **D** | 2 | features per step |
#
# This is exactly the input shape `(batch, timesteps, features)` that `keras.layers.SimpleRNN` and `keras.layers.LSTM`
# expect. The layer loops over axis 1 and, at every step, multiplies the (N, D) slice `x[:, t]` by its weights. That is
# why the feature axis must be there **even when D = 1**: a univariate series of 30 steps is `(N, 30, 1)`, not `(N, 30)`.
# A recurrent layer handed `(N, 30)` would read it as "30 features, and where is the time axis?"
#
# Later letters: **H** for the number of hidden units. The same letters are used in every lesson.

# %% [markdown]
# ### A toy series
#
# A daily-looking signal: a slow seasonal wave, a weekly pattern and noise. In lesson 07 we do the same with real
# electricity demand.

# %% tags=["demo"]
T_total = 200
t_axis = np.arange(T_total)
series = (
    10
    + 3 * np.sin(2 * np.pi * t_axis / 100)  # slow "season"
    + 1.5 * np.sin(2 * np.pi * t_axis / 7)  # weekly pattern
    + rng.normal(scale=0.5, size=T_total)  # noise
)
print("series shape:", series.shape)

fig, ax = plt.subplots()
ax.plot(t_axis, series, label="toy series")
ax.set(title="A univariate time series (T = 200, D = 1)", xlabel="time step t", ylabel="value")
ax.legend()
plt.show()


# %% [markdown]
# ### Sliding windows
#
# To *train* a network to forecast we need many (input, target) pairs. The standard trick: slide a window of `window`
# steps along the series and ask for the `horizon` steps that follow it.
#
# ```
# series:   s0  s1  s2  s3  s4  s5        window = 3, horizon = 1
# pair 0:  [s0  s1  s2] -> s3
# pair 1:      [s1  s2  s3] -> s4
# pair 2:          [s2  s3  s4] -> s5
# ```
#
# Window $n$ starts at step $n$. Its last input step is $n + \text{window} - 1$, its targets are steps
# $n + \text{window}, \dots, n + \text{window} + \text{horizon} - 1$, and that last index must be $\le T - 1$. So the number
# of windows is
#
# $$N = T - \text{window} - \text{horizon} + 1 .$$
#
# With $T = 6$, window 3, horizon 1: $N = 3$, as in the picture. Forgetting the "+ 1" silently drops the most recent —
# often the most valuable — window; shifting the target by one step lets the network "predict" a value it was given as
# input. Both bugs still produce arrays of plausible shape, which is why we test them.

# %% [markdown]
# ## Exercise 1 — sliding windows (3 points)
#
# Write `make_windows(series, window, horizon=1)` for a **univariate** series, a 1-D NumPy array of floats of shape (T,),
# with `window` and `horizon` Python ints:
#
# - return two NumPy arrays: `X` of shape (N, window, 1) — 3-D, ready for a recurrent layer — and `y` of shape
#   (N, horizon), 2-D even when `horizon = 1`;
# - window `n` holds `series[n : n + window]`, its target is `series[n + window : n + window + horizon]`;
# - raise `ValueError` (with a helpful message) if `window < 1`, `horizon < 1`, or the series has fewer than
#   `window + horizon` steps (an empty series, or `T == window`, included).
#
# What is graded: the shapes, and the values of `X` and `y` **exactly** (they are the series' own values, so no rounding
# is involved; a copy or a read-only view such as `sliding_window_view`'s are both fine); `window = 1` and a series of
# exactly `window + horizon` steps, which gives **one** window (N = 1) and must not raise; each of the invalid cases
# above raising `ValueError` (the wording of the message is up to you).
#
# No Python loop is needed: build an index array with `np.arange` and broadcasting (or use
# `numpy.lib.stride_tricks.sliding_window_view`); a loop over the windows is fine too. The course's version, for (T, D)
# series too, is `helpers.data.make_windows`.


# %% nbgrader={"grade": false, "grade_id": "ex1_make_windows", "locked": false, "schema_version": 3, "solution": true}
def make_windows(series, window, horizon=1):
    """Cut a univariate series into (input window, following values) pairs.

    Args:
        series: NumPy array of floats, shape (T,).
        window: number of input steps per window, an int >= 1.
        horizon: number of target steps after each window, an int >= 1.

    Returns:
        (X, y): NumPy arrays, X of shape (N, window, 1) and y of shape (N, horizon), with
        N = T - window - horizon + 1 (N = 1 when T == window + horizon). X[n, :, 0] == series[n : n + window]
        and y[n] == series[n + window : n + window + horizon], exactly.

    Raises:
        ValueError: if window < 1, horizon < 1 or T < window + horizon (an empty series included).
    """
    ### BEGIN SOLUTION
    values = np.asarray(series, dtype=float)
    if window < 1 or horizon < 1:
        raise ValueError(f"window and horizon must be >= 1. Received: window={window}, horizon={horizon}")
    n_windows = len(values) - window - horizon + 1
    if n_windows < 1:
        raise ValueError(
            f"series too short: need at least window + horizon = {window + horizon} steps. "
            f"Received: {len(values)} steps"
        )
    starts = np.arange(n_windows)[:, None]  # (N, 1)
    X_out = values[starts + np.arange(window)][:, :, None]  # (N, window, 1)
    y_out = values[starts + window + np.arange(horizon)]  # (N, horizon)
    return X_out, y_out
    ### END SOLUTION


# %% tags=["demo"]
X_demo, y_demo = make_windows(np.arange(6.0), window=3)
print("X_demo[:, :, 0] =\n", X_demo[:, :, 0])
print("y_demo =\n", y_demo)

# %% nbgrader={"grade": true, "grade_id": "test_ex1_make_windows", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""make_windows: shapes, the number of windows and which values go where."""
import numpy as np

from helpers import grading

ex = grading.exercise(1, "make_windows")
X_chk, y_chk = make_windows(np.arange(6.0), window=3)
ex.shape(
    X_chk,
    (None, None, None),
    "X for T=6, window=3",
    hint="X must be 3-D, (N, window, 1): keep the feature axis (e.g. [:, :, None]) so a recurrent layer can read it",
)
X_chk = ex.shape(
    X_chk,
    (3, 3, 1),
    "X for T=6, window=3, horizon=1",
    hint="off by one in the number of windows? N = T - window - horizon + 1 = 3: the '+ 1' keeps the last window",
)
y_chk = ex.shape(
    y_chk, (3, 1), "y for T=6, window=3, horizon=1", hint="y must have shape (N, horizon), 2-D even for horizon=1"
)
ex.close(
    X_chk[:, :, 0], [[0, 1, 2], [1, 2, 3], [2, 3, 4]], "X[:, :, 0]", hint="window n should hold series[n : n + window]"
)
ex.close(
    y_chk,
    [[3], [4], [5]],
    "y",
    hint="the target of window n is the step right AFTER it, series[n + window], not the window's own last step",
)
# values that are not their own indices, window=1 and horizon > 1
s_chk = np.array([3.0, -1.0, 4.0, 1.5, -5.0, 9.0, 2.6])
X_chk, y_chk = make_windows(s_chk, window=2, horizon=2)
ex.close(
    X_chk,
    np.array([s_chk[n : n + 2] for n in range(4)])[:, :, None],
    "X for the series [3, -1, 4, 1.5, -5, 9, 2.6], window=2, horizon=2",
    hint="X must hold the series' values series[n : n + window], not their indices",
)
ex.close(
    y_chk,
    np.array([s_chk[n + 2 : n + 4] for n in range(4)]),
    "y for the series [3, -1, 4, 1.5, -5, 9, 2.6], window=2, horizon=2",
    hint="y[n] must hold the values series[n + window : n + window + horizon]",
)
X_chk, y_chk = make_windows(s_chk, window=1, horizon=1)
ex.close(
    X_chk, s_chk[:-1, None, None], "X for window=1", hint="with window=1, X[n, 0, 0] is series[n]: shape (T - 1, 1, 1)"
)
ex.close(y_chk, s_chk[1:, None], "y for window=1", hint="with window=1 and horizon=1, y[n, 0] is series[n + 1]")
X_chk, y_chk = make_windows(np.arange(10.0), window=4, horizon=3)
ex.shape(X_chk, (4, 4, 1), "X for T=10, window=4, horizon=3", hint="N = 10 - 4 - 3 + 1 = 4 windows of 4 steps")
y_chk = ex.shape(y_chk, (4, 3), "y for T=10, window=4, horizon=3", hint="y must have shape (N, horizon) = (4, 3)")
ex.close(y_chk[-1], [7, 8, 9], "y[-1] for T=10", hint="the last window's targets must end at the last step")
# T == window + horizon: exactly one window
X_chk, y_chk = make_windows(np.arange(5.0), window=3, horizon=2)
ex.close(
    X_chk, [[[0], [1], [2]]], "X for T=5, window=3, horizon=2", hint="T == window + horizon gives exactly one window"
)
ex.close(y_chk, [[3, 4]], "y for T=5, window=3, horizon=2", hint="T == window + horizon gives exactly one window")
### BEGIN HIDDEN TESTS
import helpers.data

_rng = np.random.default_rng(11)
for _T, _w, _h in [(50, 7, 1), (50, 7, 5), (9, 1, 1), (9, 8, 1), (9, 1, 8), (12, 12 - 2, 2)]:
    _s = _rng.normal(size=_T)
    _Xs, _ys = make_windows(_s, _w, _h)
    _Xr, _yr = helpers.data.make_windows(_s, _w, _h)
    ex.close(_Xs, _Xr, f"X for T={_T}, window={_w}, horizon={_h}", hint="window n holds series[n : n + window]")
    ex.close(_ys, _yr, f"y for T={_T}, window={_w}, horizon={_h}", hint="y[n] holds the horizon steps after window n")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ex1_make_windows_errors", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""make_windows: invalid arguments raise ValueError instead of returning empty or wrong arrays."""
import numpy as np

from helpers import grading

ex = grading.exercise(1, "make_windows")
try:
    make_windows(np.arange(5.0), window=3, horizon=2)
except ValueError as exc:
    ex.true(
        False,
        "T=5, window=3, horizon=2",
        expected="one window and no error",
        got=f"ValueError: {str(exc)[:200]}",
        hint="T == window + horizon is long enough for exactly one window: reject only T < window + horizon",
    )
too_short = "the series is shorter than window + horizon, so there is no complete (window, target) pair: raise ValueError instead of returning empty arrays"
ex.raises(
    ValueError, make_windows, np.arange(4.0), 3, 2, what="T=4, window=3, horizon=2 (needs 5 steps)", hint=too_short
)
ex.raises(ValueError, make_windows, np.arange(3.0), 3, 1, what="T=3 == window=3 (no target left)", hint=too_short)
ex.raises(ValueError, make_windows, np.arange(2.0), 5, 1, what="T=2 < window=5", hint=too_short)
ex.raises(ValueError, make_windows, np.zeros(0), 1, 1, what="an empty series", hint=too_short)
ex.raises(
    ValueError, make_windows, np.arange(10.0), 0, 1, what="window=0", hint="window < 1 makes no sense: raise ValueError"
)
ex.raises(
    ValueError,
    make_windows,
    np.arange(10.0),
    3,
    0,
    what="horizon=0",
    hint="horizon < 1 makes no sense: raise ValueError",
)
### BEGIN HIDDEN TESTS
ex.raises(ValueError, make_windows, np.arange(10.0), -2, 1, what="window=-2", hint="window < 1: raise ValueError")
ex.raises(ValueError, make_windows, np.arange(10.0), 3, -1, what="horizon=-1", hint="horizon < 1: raise ValueError")
ex.raises(ValueError, make_windows, np.arange(7.0), 4, 4, what="T=7, window=4, horizon=4", hint=too_short)
ex.raises(ValueError, make_windows, np.array([1.0]), 1, 1, what="T=1, window=1, horizon=1", hint=too_short)
### END HIDDEN TESTS

# %% [markdown]
# Applied to the toy series with a window of 30 steps and a one-step horizon, we get a training set in exactly the shape a
# recurrent layer expects:

# %% tags=["demo"]
X_toy, y_toy = make_windows(series, window=30, horizon=1)
print("X:", X_toy.shape, " (N, T, D)")
print("y:", y_toy.shape, " (N, horizon)")

n = 60
fig, ax = plt.subplots()
ax.plot(t_axis, series, color="0.75", label="series")
ax.plot(np.arange(n, n + 30), X_toy[n, :, 0], label=f"window {n} (input, 30 steps)")
ax.plot([n + 30], y_toy[n], "o", color="C3", label="its target (next step)")
ax.set(title="One sliding window and its target", xlabel="time step t", ylabel="value")
ax.legend()
plt.show()


# %% [markdown]
# ## 2. The vanilla recurrent network
#
# A feed-forward network given a window of 30 steps would treat them as 30 unrelated inputs, with separate weights for
# "step 3" and "step 4", and it could not take a window of 31. A **recurrent** network instead applies *the same* small
# function at every step and carries a **hidden state** $h_t$ — a summary of everything it has read so far:
#
# $$h_t = \tanh\left(W x_t + U h_{t-1} + b\right), \qquad h_{-1} = h_0 \text{ (usually zeros)}.$$
#
# - $W$ — the **input weights**: how the new input $x_t$ enters the state;
# - $U$ — the **recurrent weights**: how the previous state is carried forward (this is the memory);
# - $b$ — a bias; $\tanh$ squashes every unit to $(-1, 1)$ so the state cannot blow up.
#
# Unrolled over time, the network is a very deep feed-forward network whose layers all **share** $W, U, b$:
#
# ```
#  h0 --> [ tanh(W x_0 + U . + b) ] --> h_1 --> [ tanh(W x_1 + U . + b) ] --> h_2 --> ... --> h_T
#                 ^                                      ^
#                x_0                                    x_1
# ```
#
# Because the weights are shared, the number of parameters — $DH + H^2 + H$ — does not depend on $T$.
#
# **Weights in code (batch-first).** In the maths $x_t$ is a column vector and $W$ has shape $(H, D)$. In code a batch is a
# stack of **row** vectors, `x_t` of shape (N, D), and we store `W` with shape (D, H) so that the product is
# `x_t @ W` — shape (N, H). Likewise `h_prev @ U` with `U` of shape (H, H), and `b` of shape (H,) is broadcast over the
# batch. This is Keras' layout: `SimpleRNN` calls them `kernel` (D, H), `recurrent_kernel` (H, H) and `bias` (H,), so
# Keras weights drop straight into our functions. (Code `W` is the transpose of maths $W$; the same for $U$.)
#
# | name | shape |
# | --- | --- |
# | `x_t` | (N, D) |
# | `h_prev`, `h_t` | (N, H) |
# | `W` | (D, H) |
# | `U` | (H, H) |
# | `b` | (H,) |

# %% [markdown]
# ## Exercise 2 — one RNN step (2 points)
#
# Implement `rnn_step_forward(x_t, h_prev, W, U, b)`: one step of the vanilla RNN for a whole batch at once, with the
# shapes in the table above (NumPy float64 arrays), returning `h_t` as a NumPy array of shape (N, H). One line of NumPy
# is enough — no loop over the batch is needed (a loop is not wrong, only slower). (The course's reference, which also
# returns a cache for the backward pass of lesson 02, is `helpers.rnn.rnn_step_forward`.)
#
# What is graded: the shape (N, H), including a batch of one (N = 1); the values within an absolute tolerance of
# `1e-8` (any float64 way of computing the formula passes), on inputs where a slip shows: $\tanh$ as the activation, the
# bias added (with `W = 0` and `U = 0` the state is $\tanh(b)$ for every sample), and `W` and `U` used as given, not
# transposed — also when `D == H`, where a transposed `W` would still run; and saturation: large pre-activations (in the
# hundreds) must give $\pm 1$, not NaN (`np.tanh` does this; a home-made formula must not compute inf / inf — a
# harmless overflow *warning* on the way costs nothing).


# %% nbgrader={"grade": false, "grade_id": "ex2_rnn_step_forward", "locked": false, "schema_version": 3, "solution": true}
def rnn_step_forward(x_t, h_prev, W, U, b):
    """One vanilla RNN step for a batch: h_t = tanh(x_t W + h_prev U + b).

    Args:
        x_t: inputs at step t, shape (N, D).
        h_prev: previous hidden state, shape (N, H).
        W: input weights, shape (D, H).
        U: recurrent weights, shape (H, H).
        b: bias, shape (H,).

    Returns:
        h_t: the new hidden state, a NumPy array of shape (N, H) (graded within atol=1e-8); a large
        |pre-activation| saturates to +1 or -1, never NaN.
    """
    ### BEGIN SOLUTION
    pre_activation = x_t @ W + h_prev @ U + b  # (N, H)
    return np.tanh(pre_activation)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex2_rnn_step_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""rnn_step_forward: shape, tanh, the bias, W and U as given (not transposed), and values (N=2, D=3, H=4)."""
import numpy as np

from helpers import grading

ex = grading.exercise(2, "rnn_step_forward")
N_, D_, H_ = 2, 3, 4
x_chk = np.linspace(-0.4, 0.7, num=N_ * D_).reshape(N_, D_)
h_chk = np.linspace(-0.2, 0.5, num=N_ * H_).reshape(N_, H_)
W_chk = np.linspace(-0.1, 0.9, num=D_ * H_).reshape(D_, H_)
U_chk = np.linspace(-0.3, 0.7, num=H_ * H_).reshape(H_, H_)
b_chk = np.linspace(-0.2, 0.4, num=H_)
out = rnn_step_forward(x_chk, h_chk, W_chk, U_chk, b_chk)
ex.shape(out, (N_, H_), "h_t", hint="h_t must have shape (N, H): x_t @ W and h_prev @ U are (N, H), b broadcasts")
# the activation: with W = I, U = 0 and b = 0 the step is tanh(x_t)
x_sq = np.array([[-2.0, -0.5, 0.0], [0.3, 1.0, 2.5]])
ex.close(
    rnn_step_forward(x_sq, np.ones((2, 3)), np.eye(3), np.zeros((3, 3)), np.zeros(3)),
    np.tanh(x_sq),
    "h_t with W = I, U = 0, b = 0",
    atol=1e-8,
    hint="the activation should be tanh: here h_t = tanh(x_t), in (-1, 1) and negative for negative inputs "
    "(not sigmoid, not ReLU)",
)
# the bias: with W = 0 and U = 0 the step is tanh(b) for every sample
b_only = np.array([-1.0, -0.2, 0.4, 1.5])
ex.close(
    rnn_step_forward(np.ones((2, 3)), np.ones((2, 4)), np.zeros((3, 4)), np.zeros((4, 4)), b_only),
    np.tanh(np.tile(b_only, (2, 1))),
    "h_t with W = 0, U = 0",
    atol=1e-8,
    hint="the bias b looks missing: with W = 0 and U = 0, h_t = tanh(b) for every sample (b broadcasts over the batch)",
)
# U as given (a batch of one)
U_asym = np.arange(16.0).reshape(4, 4) / 20 - 0.3
h_one = np.array([[0.5, -1.0, 0.25, 2.0]])
ex.close(
    rnn_step_forward(np.ones((1, 3)), h_one, np.zeros((3, 4)), U_asym, np.zeros(4)),
    np.tanh(h_one @ U_asym),
    "h_t for N = 1 with W = 0, b = 0",
    atol=1e-8,
    hint="the recurrent term should be h_prev @ U with U (H, H) as given, not h_prev @ U.T (U is square, so U.T runs too)",
)
# W as given when D == H
W_asym = np.arange(9.0).reshape(3, 3) / 10 - 0.4
x_two = np.array([[1.0, -0.5, 2.0], [0.2, 0.7, -1.5]])
ex.close(
    rnn_step_forward(x_two, np.ones((2, 3)), W_asym, np.zeros((3, 3)), np.zeros(3)),
    np.tanh(x_two @ W_asym),
    "h_t for D = H = 3 with U = 0, b = 0",
    atol=1e-8,
    hint="the input term should be x_t @ W with W (D, H) as given, not x_t @ W.T (with D == H a transposed W still runs)",
)
ex.close(
    out,
    np.tanh(x_chk @ W_chk + h_chk @ U_chk + b_chk),  # the definition
    "h_t",
    atol=1e-8,
    hint="compute tanh(x_t @ W + h_prev @ U + b) with W (D, H) and U (H, H) as given",
)
# saturation: large pre-activations give +-1, never NaN
ex.close(
    rnn_step_forward(np.array([[400.0, -400.0]]), np.zeros((1, 2)), np.eye(2), np.zeros((2, 2)), np.zeros(2)),
    [[1.0, -1.0]],
    "h_t for pre-activations +400 and -400",
    atol=1e-8,
    hint="tanh saturates: a large |pre-activation| must give +1 or -1, not NaN (use np.tanh, or a formula that "
    "cannot compute inf / inf)",
)
### BEGIN HIDDEN TESTS
import helpers.rnn

_rng = np.random.default_rng(21)
# D == H: a transposed W or U still runs, but gives different numbers
for _N, _D, _H in [(3, 5, 5), (1, 4, 4), (4, 2, 6)]:
    _x, _hp = _rng.normal(size=(_N, _D)), _rng.normal(size=(_N, _H))
    _W, _U, _b = _rng.normal(size=(_D, _H)), _rng.normal(size=(_H, _H)), _rng.normal(size=_H)
    ex.close(
        rnn_step_forward(_x, _hp, _W, _U, _b),
        helpers.rnn.rnn_step_forward(_x, _hp, _W, _U, _b)[0],
        f"h_t for N={_N}, D={_D}, H={_H}",
        atol=1e-8,
        hint="compute tanh(x_t @ W + h_prev @ U + b) with W (D, H) and U (H, H) as given",
    )
ex.close(
    rnn_step_forward(np.ones((3, 2)), np.ones((3, 5)), np.zeros((2, 5)), np.zeros((5, 5)), np.full(5, 0.3)),
    np.tanh(np.full((3, 5), 0.3)),
    "h_t with W = 0, U = 0, b = 0.3",
    atol=1e-8,
    hint="with W = 0 and U = 0, h_t = tanh(b) for every sample",
)
ex.close(
    rnn_step_forward(
        np.full((2, 1), 1000.0), np.zeros((2, 3)), np.array([[1.0, -1.0, 0.5]]), np.zeros((3, 3)), np.zeros(3)
    ),
    np.array([[1.0, -1.0, 1.0], [1.0, -1.0, 1.0]]),
    "h_t for pre-activations of +-1000",
    atol=1e-8,
    hint="tanh saturates: a large |pre-activation| must give +1 or -1, not NaN",
)
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 3 — the loop over time (2 points)
#
# Implement `rnn_forward(x, h0, W, U, b)`: run your `rnn_step_forward` along a batch of sequences `x` of shape (N, T, D),
# starting from `h0`, **carrying** the state from each step to the next, and return every hidden state stacked into a
# NumPy array `h` of shape (N, T, H), with `h[:, t]` $= h_t$ (the state *after* step $t$, so `h[:, 0]` is one step from
# `h0`). The loop over time is unavoidable (step $t$ needs $h_{t-1}$), but nothing else needs a loop. `h[:, -1]` is the
# final state, what `keras.layers.SimpleRNN` returns by default (`return_sequences=True` returns all of `h`). The
# reference is `helpers.rnn.rnn_forward`.
#
# What is graded: the shape (N, T, H) and every state within an absolute tolerance of `1e-8`, for a single sequence
# (N = 1), a single step (T = 1, then `h` is (N, 1, H)) and one input feature (D = 1) as well as larger shapes. The
# test calls your `rnn_forward` with the course's reference step standing in for your `rnn_step_forward`, so a mistake
# in Exercise 2 costs only Exercise 2; the cell after the test runs your two functions together.


# %% nbgrader={"grade": false, "grade_id": "ex3_rnn_forward", "locked": false, "schema_version": 3, "solution": true}
def rnn_forward(x, h0, W, U, b):
    """Run the vanilla RNN over whole sequences.

    Args:
        x: input sequences, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        W: input weights, shape (D, H).
        U: recurrent weights, shape (H, H).
        b: bias, shape (H,).

    Returns:
        h: hidden states after every step, a NumPy array of shape (N, T, H) (T = 1 gives (N, 1, H));
        h[:, t] = rnn_step_forward(x[:, t], h[:, t - 1], W, U, b) with h[:, -1] read as h0 for t = 0.
        Graded within atol=1e-8.
    """
    ### BEGIN SOLUTION
    n_seq, n_steps, _ = x.shape
    states = np.zeros((n_seq, n_steps, W.shape[1]))
    h_current = h0
    for step in range(n_steps):
        h_current = rnn_step_forward(x[:, step], h_current, W, U, b)
        states[:, step] = h_current
    return states
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex3_rnn_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""rnn_forward: shape, first step, carried state and every step, on its own (the reference step stands in)."""
import numpy as np

import helpers.rnn
from helpers import grading

ex = grading.exercise(3, "rnn_forward")


def step(x_t, h_prev, W, U, b):  # the reference step, with Exercise 2's signature and return
    return helpers.rnn.rnn_step_forward(x_t, h_prev, W, U, b)[0]


# Graded on its own: the reference step stands in for your rnn_step_forward (a mistake there costs Exercise 2 only).
forward = ex.alone(rnn_forward, rnn_step_forward=step)
h_chk = np.linspace(-0.2, 0.5, num=2 * 4).reshape(2, 4)  # h0
W_chk = np.linspace(-0.1, 0.9, num=3 * 4).reshape(3, 4)
U_chk = np.linspace(-0.3, 0.7, num=4 * 4).reshape(4, 4)
b_chk = np.linspace(-0.2, 0.4, num=4)
x_seq = np.linspace(-0.5, 0.5, num=2 * 3 * 3).reshape(2, 3, 3)
h_all = ex.shape(
    forward(x_seq, h_chk, W_chk, U_chk, b_chk),
    (2, 3, 4),
    "h for N=2, T=3, D=3, H=4",
    hint="return the hidden state of every step stacked along axis 1, shape (N, T, H)",
)
hints = {
    0: "h[:, 0] should be the state AFTER the first step, one step from h0 with x[:, 0]: store the new state, not the previous one",
    1: "h[:, 1] should be one step from h[:, 0]: carry the state from step to step, do not restart from h0",
    2: "the last step looks missing or wrong: the loop must run all T steps (range(T), not range(T - 1))",
}
h_t = h_chk
for t in range(3):
    h_t = step(x_seq[:, t], h_t, W_chk, U_chk, b_chk)
    ex.close(h_all[:, t], h_t, f"h[:, {t}]", atol=1e-8, hint=hints[t])
# a single sequence of a single step, one input feature
h_one = forward(np.array([[[0.7]]]), np.array([[0.1, -0.4]]), np.array([[0.5, -1.0]]), np.eye(2), np.zeros(2))
ex.close(
    h_one,
    step(np.array([[0.7]]), np.array([[0.1, -0.4]]), np.array([[0.5, -1.0]]), np.eye(2), np.zeros(2))[:, None],
    "h for N=1, T=1, D=1, H=2",
    atol=1e-8,
    hint="with T = 1, h has shape (N, 1, H) and holds the one step from h0",
)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(31)
for _N, _T, _D, _H in [(3, 7, 2, 5), (1, 1, 3, 3), (2, 12, 4, 4), (1, 5, 1, 2)]:
    _x, _h0 = _rng.normal(size=(_N, _T, _D)), _rng.normal(size=(_N, _H))
    _W, _U, _b = _rng.normal(size=(_D, _H)), _rng.normal(scale=0.7, size=(_H, _H)), _rng.normal(size=_H)
    ex.close(
        forward(_x, _h0, _W, _U, _b),
        helpers.rnn.rnn_forward(_x, _h0, _W, _U, _b)[0],
        f"h for N={_N}, T={_T}, D={_D}, H={_H}",
        atol=1e-8,
        hint="run all T steps from h0, carry the state, store the state after each step in h[:, t]",
    )
### END HIDDEN TESTS

# %% tags=["demo"]
# Not graded: your two functions together (the test above gave Exercise 3 the reference step).
import helpers.rnn

_g = np.random.default_rng(7)
x_int, h0_int = _g.normal(size=(3, 6, 2)), _g.normal(size=(3, 5))
W_int, U_int, b_int = _g.normal(size=(2, 5)), _g.normal(scale=0.5, size=(5, 5)), _g.normal(size=5)
h_yours = rnn_forward(x_int, h0_int, W_int, U_int, b_int)
h_ref = helpers.rnn.rnn_forward(x_int, h0_int, W_int, U_int, b_int)[0]
if np.shape(h_yours) == h_ref.shape and np.allclose(h_yours, h_ref, atol=1e-8):
    print("Integration check passed: your rnn_forward with your rnn_step_forward matches helpers.rnn.rnn_forward.")
else:
    print(
        "Integration check FAILED: your rnn_forward with your own rnn_step_forward does not match "
        "helpers.rnn.rnn_forward. If the test of Exercise 2 fails, fix rnn_step_forward first."
    )

# %% [markdown]
# ### What a random RNN does with its input
#
# Let us feed a random RNN ($H = 8$) a sequence that is zero everywhere except for a single **impulse** at $t = 0$, and
# compare its states with those of the same RNN fed all zeros. The difference is what the network still "remembers" of
# the impulse. The recurrent weights are scaled so that $U$'s largest eigenvalue has modulus 0.9 (lesson 02 explains why
# that number matters).
#
# Notice also that the *same* weights run a sequence of 60 steps or of 6: the parameter count does not depend on $T$.

# %% tags=["demo"]
D_in, H_rnn, T_imp = 1, 8, 60
W_rnn = rng.normal(scale=1.0, size=(D_in, H_rnn))
U_rnn = rng.normal(size=(H_rnn, H_rnn))
U_rnn *= 0.9 / np.max(np.abs(np.linalg.eigvals(U_rnn)))  # spectral radius 0.9
b_rnn = np.zeros(H_rnn)
print("parameters:", W_rnn.size + U_rnn.size + b_rnn.size, "(D*H + H*H + H, whatever T is)")

impulse = np.zeros((1, T_imp, D_in))
impulse[0, 0, 0] = 2.0
h_imp = rnn_forward(impulse, np.zeros((1, H_rnn)), W_rnn, U_rnn, b_rnn)
h_zero = rnn_forward(np.zeros_like(impulse), np.zeros((1, H_rnn)), W_rnn, U_rnn, b_rnn)
trace = np.linalg.norm(h_imp[0] - h_zero[0], axis=1)
print("short sequence works too:", rnn_forward(impulse[:, :6], np.zeros((1, H_rnn)), W_rnn, U_rnn, b_rnn).shape)

fig, ax = plt.subplots()
ax.semilogy(np.arange(T_imp), trace, label="||h_t(impulse) - h_t(zeros)||")
ax.semilogy(np.arange(T_imp), trace[0] * 0.9 ** np.arange(T_imp), "--", label="0.9^t (spectral radius)")
ax.set(
    title="A vanilla RNN forgets an impulse geometrically",
    xlabel="steps since the impulse t",
    ylabel="trace left (log scale)",
)
ax.legend()
plt.show()

# %% [markdown]
# The trace of the impulse shrinks roughly like $0.9^t$: after 30 steps only a few percent are left and after 60 the
# impulse is practically gone. A vanilla RNN's memory **decays**. The next section looks at the simplest recurrence of
# all, where we can compute this decay exactly.
#
# ## 3. Memory as decay
#
# You have probably written this line — an exponential moving average:
#
# ```python
# memory = 0.95 * memory + 0.05 * value
# ```
#
# It *is* a recurrent network: a state $m_t$ (one unit), updated from the previous state and the new input with fixed
# weights, $m_t = a\, m_{t-1} + (1 - a)\, x_t$ with $a = 0.95$ (a linear RNN with $U = a$, $W = 1 - a$, no $\tanh$).
# Unrolling the recurrence shows what it remembers:
#
# $$m_t = (1-a) \sum_{k=0}^{t} a^{k}\, x_{t-k} \;+\; a^{t+1} m_{-1}.$$
#
# An input $k$ steps in the past still carries the weight $(1 - a)\,a^k$: it fades **geometrically**, at a rate that is
# the same for every input, important or not. The **half-life** — the number of steps after which half is left — is
# $\ln 0.5 / \ln a$, about 13.5 steps for $a = 0.95$. The factor $a$ is a **gate** on the memory, but a fixed one.

# %% tags=["demo"]
lags = np.arange(0, 201)
fig, ax = plt.subplots()
for a in [0.5, 0.9, 0.95, 0.99]:
    half_life = np.log(0.5) / np.log(a)
    ax.plot(lags, a**lags, label=f"a = {a} (half-life {half_life:.1f} steps)")
ax.axhline(0.01, color="0.5", linestyle=":", label="1 % left")
ax.set(title="What a fixed gate keeps of an input after k steps: a^k", xlabel="steps k", ylabel="fraction kept")
ax.legend()
plt.show()


# %% [markdown]
# ## Exercise 4 — how long does a fixed gate remember? (1 point)
#
# Write `steps_to_forget(keep, fraction=0.01)`: the **smallest whole number of steps** $k \ge 0$ after which a memory
# with fixed gate `keep` ($0 < $ `keep` $< 1$, a float) keeps **strictly less** than `fraction` (a float $> 0$) of an
# input, i.e. the smallest $k$ with `keep ** k < fraction`. Return an `int` (a Python `int`, or a NumPy integer; not a
# float such as `3.0`). For example `steps_to_forget(0.5, 0.25) == 3` ($0.5^2 = 0.25$ is not *less* than 0.25).
#
# What is graded: the exact value of $k$ and its type, on values where the answer is clear-cut, plus exact powers of
# 0.5 (such as $0.5^3 = 0.125$, exact in floating point too), which must not count as "less than". Also
# **`fraction >= 1`**: since $k = 0$ is allowed and `keep ** 0 == 1`, any `fraction > 1` gives $0$, and
# `fraction == 1` gives $1$. A loop works; so does a logarithm, if you check its result against `keep ** k < fraction`
# (a log ratio can round an exact power the wrong way). The course's version is `helpers.rnn.steps_to_forget`.


# %% nbgrader={"grade": false, "grade_id": "ex4_steps_to_forget", "locked": false, "schema_version": 3, "solution": true}
def steps_to_forget(keep, fraction=0.01):
    """Smallest integer k >= 0 with keep ** k < fraction.

    Args:
        keep: the fixed gate, a float with 0 < keep < 1.
        fraction: the threshold, a float > 0 (fraction > 1 gives 0, fraction == 1 gives 1).

    Returns:
        k as an int (a Python int or a NumPy integer), exactly.
    """
    ### BEGIN SOLUTION
    k_steps = 0
    while keep**k_steps >= fraction:
        k_steps += 1
    return k_steps
    ### END SOLUTION


# %% tags=["demo"]
for a in [0.5, 0.9, 0.95, 0.99]:
    print(f"keep = {a}: less than 1% left after {steps_to_forget(a)} steps")

# %% nbgrader={"grade": true, "grade_id": "test_ex4_steps_to_forget", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""steps_to_forget: the type, a few values, an exact power that must not count as 'less than', fraction >= 1."""
import numpy as np

from helpers import grading

ex = grading.exercise(4, "steps_to_forget")
k_chk = steps_to_forget(0.9)
ex.true(
    isinstance(k_chk, (int, np.integer)) and not isinstance(k_chk, (bool, np.bool_)),
    "the type of steps_to_forget(0.9)",
    expected="an int",
    got=f"{type(k_chk).__name__} {k_chk!r}",
    hint="return a whole number of steps as an int: count k in a loop, or round the logarithm ratio up and convert "
    "it with int(...)",
)
ex.equal(
    steps_to_forget(0.95),
    90,
    "steps_to_forget(0.95)",
    hint="0.95**89 = 0.0104 >= 0.01 and 0.95**90 = 0.0099 < 0.01: return the FIRST k with keep**k < fraction",
)
ex.equal(
    steps_to_forget(0.5, 0.25),
    3,
    "steps_to_forget(0.5, 0.25)",
    hint="strictly less: 0.5**2 == 0.25 is not less than 0.25, so k = 2 does not count (keep**k < fraction, not <=)",
)
ex.equal(
    steps_to_forget(0.8, 2.0),
    0,
    "steps_to_forget(0.8, 2.0)",
    hint="fraction > 1: keep**0 = 1 is already less than 2, so k = 0 (start counting at k = 0, never return a negative k)",
)
ex.equal(
    steps_to_forget(0.8, 1.0),
    1,
    "steps_to_forget(0.8, 1.0)",
    hint="fraction == 1: keep**0 = 1 is not less than 1, keep**1 = 0.8 is, so k = 1",
)
### BEGIN HIDDEN TESTS
for _a, _f in [(0.99, 0.01), (0.9, 0.5), (0.3, 0.01), (0.999, 0.1), (0.5, 0.125), (0.8, 2.0), (0.6, 1.5), (0.7, 1.0)]:
    _k = 0
    while _a**_k >= _f:
        _k += 1
    ex.equal(
        steps_to_forget(_a, _f),
        _k,
        f"steps_to_forget({_a}, {_f})",
        hint="the smallest k >= 0 with keep**k < fraction (strictly less; k = 0 when fraction > 1)",
    )
### END HIDDEN TESTS

# %% [markdown]
# ### A fixed gate cannot tell important from unimportant
#
# Here is a task where decay hurts. A signal is mostly small noise, but at $t = 10$ there is one large **spike** — the
# one thing that matters. At the end of the sequence ($t = 119$) we want the memory to tell whether there was a spike.
#
# With a fixed gate $a = 0.95$ the spike's share after 109 steps is $0.05 \cdot 5 \cdot 0.95^{109} \approx 0.001$, far
# below the noise the memory has accumulated since: the final memory looks the same with and without the spike.
#
# Now let the gate **depend on the input**: write into memory only when the input is large, otherwise keep the memory as
# it is:
#
# $$g_t = \sigma\big(8\,(|x_t| - 2)\big), \qquad m_t = (1 - g_t)\, m_{t-1} + g_t\, x_t .$$
#
# For the noise ($|x_t| < 2$) the gate is almost 0 — nothing is written and nothing is forgotten; for the spike it is
# almost 1 — the spike is written in. The fixed average is the special case $g_t = 1 - a = 0.05$ for every $t$.
# An LSTM's forget and input gates are exactly this, with the gate computed by a small learned layer from $x_t$ and
# $h_{t-1}$ instead of our hand-made formula.
#
# ## Exercise 5 — a gated memory (2 points)
#
# Implement `gated_memory(values, gates, m0=0.0)`: $m_t = (1 - g_t)\, m_{t-1} + g_t\, x_t$ for $t = 0, \dots, T-1$ with
# $m_{-1} =$ `m0` (a float); `values` and `gates` are NumPy float arrays of shape (T,), the gates in $[0, 1]$; return
# all of $m_0, \dots, m_{T-1}$ (each **after** its update) as a NumPy array of shape (T,).
# (The course's version is `helpers.rnn.gated_memory`; with constant gates $1 - a$ it is
# `helpers.rnn.decay_memory(values, keep=a)`.)
#
# What is graded: the shape (T,), a single step (T = 1) included, and the values within an absolute tolerance of
# `1e-10` (any float64 form of the update passes, e.g. `m + g * (x - m)`), for gates of exactly 0 (keep the memory) and
# 1 (overwrite it with the input), constant gates (the moving average), random gates in $[0, 1]$, and `m0 != 0`.


# %% nbgrader={"grade": false, "grade_id": "ex5_gated_memory", "locked": false, "schema_version": 3, "solution": true}
def gated_memory(values, gates, m0=0.0):
    """Memory with an input-dependent gate: m_t = (1 - g_t) m_{t-1} + g_t x_t.

    Args:
        values: the inputs x_t, a NumPy float array of shape (T,).
        gates: the gates g_t in [0, 1], a NumPy float array of shape (T,).
        m0: the memory before the first step, a float.

    Returns:
        The memories m_0, ..., m_{T-1}, each after its update, a NumPy array of shape (T,) (graded within atol=1e-10).
    """
    ### BEGIN SOLUTION
    memories = np.zeros(len(values))
    mem = m0
    for step, (x_now, g_now) in enumerate(zip(values, gates)):
        mem = (1.0 - g_now) * mem + g_now * x_now
        memories[step] = mem
    return memories
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex5_gated_memory", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""gated_memory: one step, gate 1 overwrites, gate 0 keeps, constant and random gates, m0."""
import numpy as np

from helpers import grading

ex = grading.exercise(5, "gated_memory")
ex.close(
    gated_memory(np.array([4.0]), np.array([0.5])),
    [2.0],
    "gated_memory([4], [0.5]) (T = 1)",
    atol=1e-10,
    hint="return the memory AFTER each update: m_0 = (1 - g_0) * m0 + g_0 * x_0 = 2, not m0; shape (T,) = (1,)",
)
ex.close(
    gated_memory(np.array([5.0, -3.0]), np.array([1.0, 1.0]), m0=2.0),
    [5.0, -3.0],
    "gated_memory([5, -3], [1, 1], m0=2)",
    atol=1e-10,
    hint="gate 1 should overwrite the memory with the input (m_t = x_t): are g_t and 1 - g_t swapped?",
)
ex.close(
    gated_memory(np.array([5.0, 7.0]), np.array([1.0, 0.0])),
    [5.0, 5.0],
    "gated_memory([5, 7], [1, 0])",
    atol=1e-10,
    hint="gate 0 should keep the memory (m_t = m_{t-1}): the term (1 - g_t) * m_{t-1} carries it from step to step",
)
ex.close(
    gated_memory(np.array([1.0, 1.0]), np.array([0.5, 0.5])),
    [0.5, 0.75],
    "gated_memory([1, 1], [0.5, 0.5])",
    atol=1e-10,
    hint="m_0 = 0.5*0 + 0.5*1 = 0.5, then m_1 = 0.5*0.5 + 0.5*1 = 0.75: return m after each update",
)
ex.close(
    gated_memory(np.array([0.0, 0.0]), np.array([0.0, 0.5]), m0=4.0),
    [4.0, 2.0],
    "gated_memory([0, 0], [0, 0.5], m0=4)",
    atol=1e-10,
    hint="start from m_{-1} = m0 (the memory before the first step), not from 0",
)
g_chk = np.array([0.2, 0.9, 0.35, 0.0, 0.6])
x_chk = np.array([1.0, -2.0, 0.5, 3.0, -1.0])
m_chk, want = -1.0, []
for x_now, g_now in zip(x_chk, g_chk):
    m_chk = (1 - g_now) * m_chk + g_now * x_now
    want.append(m_chk)
ex.close(
    gated_memory(x_chk, g_chk, m0=-1.0),
    want,
    "gated_memory with gates [0.2, 0.9, 0.35, 0, 0.6], m0=-1",
    atol=1e-10,
    hint="m_t = (1 - g_t) * m_{t-1} + g_t * x_t at every step, from m0",
)
### BEGIN HIDDEN TESTS
import helpers.rnn

_rng = np.random.default_rng(41)
_vals = _rng.normal(size=40)
ex.close(
    gated_memory(_vals, np.full(40, 0.05)),
    helpers.rnn.decay_memory(_vals, keep=0.95),
    "constant gates 0.05 (the moving average with keep = 0.95)",
    atol=1e-10,
    hint="with constant gates 1 - a, gated_memory is the moving average m_t = a m_{t-1} + (1 - a) x_t",
)
ex.close(
    gated_memory(_vals, np.full(40, 0.3), m0=-2.0),
    helpers.rnn.decay_memory(_vals, keep=0.7, m0=-2.0),
    "constant gates 0.3, m0=-2",
    atol=1e-10,
    hint="with constant gates 1 - a, gated_memory is the moving average, started from m0",
)
_g = _rng.uniform(size=40)
_m, _expect = 1.5, []
for _xv, _gv in zip(_vals, _g):
    _m = _m - _gv * _m + _gv * _xv
    _expect.append(_m)
ex.close(
    gated_memory(_vals, _g, m0=1.5),
    _expect,
    "random gates, m0=1.5",
    atol=1e-10,
    hint="m_t = (1 - g_t) * m_{t-1} + g_t * x_t at every step, from m0",
)
ex.close(gated_memory(np.array([3.0]), np.array([0.25])), [0.75], "T = 1", atol=1e-10, hint="one step from m0 = 0")
### END HIDDEN TESTS

# %% [markdown]
# Now the spike task, with your `gated_memory`: the fixed gate and the input-dependent gate, on the same noise, with and
# without the spike.

# %% tags=["demo"]
T_spike, t_spike = 120, 10
noise = rng.normal(scale=0.3, size=T_spike)
with_spike = noise.copy()
with_spike[t_spike] = 5.0


def input_gate(x):
    return 1.0 / (1.0 + np.exp(-8.0 * (np.abs(x) - 2.0)))


results = {}
for label, signal in [("with spike", with_spike), ("no spike", noise)]:
    results[label] = {
        "fixed": gated_memory(signal, np.full(T_spike, 0.05)),
        "gated": gated_memory(signal, input_gate(signal)),
    }
    print(
        f"{label:>10}: final memory  fixed gate {results[label]['fixed'][-1]:+.4f}   "
        f"input-dependent gate {results[label]['gated'][-1]:+.4f}"
    )

fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, kind, name in [(axes[0], "fixed", "fixed gate a = 0.95"), (axes[1], "gated", "input-dependent gate")]:
    ax.plot(with_spike, color="0.8", label="input (with spike)")
    ax.plot(results["with spike"][kind], label="memory, with spike")
    ax.plot(results["no spike"][kind], "--", label="memory, no spike")
    ax.set(title=name, xlabel="time step t", ylabel="value", ylim=(-1.5, 5.5))
    ax.legend()
plt.show()

# %% [markdown]
# With the fixed gate the two final memories are nearly equal — the spike has been averaged away. With the
# input-dependent gate the memory holds the spike's value (about 5) until the end, and stays near 0 without it. The gate
# decided *what to write* and, by staying closed, *what not to forget*.
#
# ## Key takeaways
#
# - Recurrent layers take batches of shape **(N, T, D)**: samples, time steps, features — a univariate series is (N, T, 1).
# - Sliding windows turn one series into $N = T - \text{window} - \text{horizon} + 1$ (input, target) pairs; the
#   off-by-one and the shifted target are the classic bugs.
# - The vanilla RNN applies $h_t = \tanh(W x_t + U h_{t-1} + b)$ at every step with **shared** weights; in code,
#   batch-first, `W` is (D, H) and `U` is (H, H), Keras' `kernel` and `recurrent_kernel`.
# - Its memory **decays**: an input's trace shrinks geometrically, like $a^k$ for a moving average with a fixed gate $a$
#   (half-life $\ln 0.5 / \ln a$).
# - A gate that **depends on the input** can decide what to write and what to keep, and so remember an important event
#   for as long as needed. That is the idea behind the LSTM.
#
# ## What's next
#
# Lesson 02 trains this loop. Backpropagation through time multiplies one Jacobian per step, and the same geometric
# decay — or growth — appears in the **gradients**: they vanish or explode with the lag. We will measure it, relate it to
# the spectral radius of $U$, and tame the explosion with gradient clipping. Lesson 03 then builds the LSTM cell, whose
# gated, additive cell state is the cure for the vanishing.
