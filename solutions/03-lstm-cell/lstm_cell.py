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
# # Lesson 03 — The LSTM cell, gate by gate
#
# **What you will learn**
#
# - what the four parts of an LSTM cell do: the forget gate $f_t$, the input gate $i_t$, the candidate $\tilde c_t$ and the output gate $o_t$, and why the **cell state** $c_t$ is the heart of it;
# - to write a numerically stable sigmoid, one LSTM step and a whole LSTM layer in NumPy, vectorised over the batch;
# - how Keras packs the weights of `keras.layers.LSTM` (blocks **i, f, c, o**) and how to reproduce its outputs to $10^{-5}$ with your own code;
# - how many parameters an LSTM layer has, and why;
# - how a cell can *carry a value unchanged for 50 steps*, and why the forget gate must lie between 0 and 1.
#
# **Why it matters.** In lessons 01 and 02 a vanilla RNN forgot quickly: its memory of an input decayed like $0.95^k$ after $k$ steps, and gradients vanished along the way. The LSTM (Hochreiter & Schmidhuber, 1997; forget gate by Gers et al., 2000) fixes this with one idea: keep the memory in a separate state that is only ever *scaled and added to*, never squashed through a weight matrix. Once you have built the cell yourself, `keras.layers.LSTM` is no longer a black box: you will know what every one of its weights does.

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np

import helpers.lstm  # the course's reference LSTM: the demos use it and the graded checks compare against it
from helpers.env import quiet_tensorflow, seed_everything
from helpers.plotting import use_course_style

quiet_tensorflow()
import keras  # used only in Part 3 (matching Keras); Parts 1, 2 and 4 are pure NumPy

rng = seed_everything(0)
use_course_style()
print("numpy", np.__version__, "| keras", keras.__version__)


# %% [markdown]
# ## Part 1 — Intuition: a conveyor belt with three valves
#
# A vanilla RNN rewrites its whole memory at every step: $h_t = \tanh(W x_t + U h_{t-1} + b)$. Whatever it knew passes through $U$ and a $\tanh$ again and again, and fades.
#
# An LSTM keeps a second state, the **cell state** $c_t$, on a *conveyor belt* that runs straight through time. At each step three **gates** (numbers between 0 and 1, one per unit) decide what happens on the belt:
#
# ```
#                     forget gate f_t           input gate i_t × candidate c̃_t
#                           │                                 │
#    c_{t-1} ──────────────(×)───────────────────────────────(+)────────────────────┬──────▶ c_t
#                                                                                  │
#                                                                                tanh
#                                                                                  │
#                                                          output gate o_t ──────(×)──────▶ h_t
#    f_t, i_t, o_t = σ( W_* x_t + U_* h_{t-1} + b_* )     c̃_t = tanh( W_c x_t + U_c h_{t-1} + b_c )
# ```
#
# - the **forget gate** $f_t$ scales what is already on the belt (1 = keep it all, 0 = wipe it);
# - the **input gate** $i_t$ decides how much of the **candidate** $\tilde c_t$ (a proposal computed from the input and the previous output) is *added*;
# - the **output gate** $o_t$ decides how much of the squashed belt $\tanh(c_t)$ is shown to the outside world as $h_t$.
#
# The belt itself has no weight matrix and no squashing nonlinearity: $c_t$ is just $f_t c_{t-1}$ plus something. That is why a value can ride on it for a long time, and why gradients can travel back along it (lesson 04).

# %% [markdown]
# ## Part 2 — The maths
#
# For one example (column vectors, as in papers), with $\sigma$ the logistic sigmoid and $\odot$ the element-wise product:
#
# $$
# \begin{aligned}
# i_t &= \sigma(W_i x_t + U_i h_{t-1} + b_i) && \text{input gate}\\
# f_t &= \sigma(W_f x_t + U_f h_{t-1} + b_f) && \text{forget gate}\\
# \tilde c_t &= \tanh(W_c x_t + U_c h_{t-1} + b_c) && \text{candidate cell value (} \texttt{g\_t} \text{ in code)}\\
# o_t &= \sigma(W_o x_t + U_o h_{t-1} + b_o) && \text{output gate}\\
# c_t &= f_t \odot c_{t-1} + i_t \odot \tilde c_t && \text{cell state}\\
# h_t &= o_t \odot \tanh(c_t) && \text{hidden state (the output)}
# \end{aligned}
# $$
#
# **In code** a batch is a stack of row vectors, so we write `x_t @ W` with `W` of shape (D, H) per block, exactly as Keras does. The four blocks are **packed** side by side so that *one* matrix product computes all four pre-activations:
#
# | array | shape | blocks along the last axis |
# | --- | --- | --- |
# | `W` (Keras `kernel`) | (D, 4H) | `W_i`, `W_f`, `W_c`, `W_o` |
# | `U` (Keras `recurrent_kernel`) | (H, 4H) | `U_i`, `U_f`, `U_c`, `U_o` |
# | `b` (Keras `bias`) | (4H,) | `b_i`, `b_f`, `b_c`, `b_o` |
#
# $$ a_t = x_t W + h_{t-1} U + b \in \mathbb{R}^{N \times 4H}, \qquad a_t = [\,a_i \mid a_f \mid a_c \mid a_o\,], $$
#
# so the input gate is `sigmoid(a[:, :H])`, the forget gate `sigmoid(a[:, H:2*H])`, the candidate `tanh(a[:, 2*H:3*H])` and the output gate `sigmoid(a[:, 3*H:])`. The order **i, f, c, o** is Keras' order (and PyTorch's, which calls the candidate `g`); get it wrong and every weight does the wrong job.

# %% [markdown]
# ## Exercise 1 — a numerically stable sigmoid (2 points)
#
# The textbook formula $\sigma(z) = 1/(1 + e^{-z})$ computes $e^{1000}$ for $z = -1000$: that overflows to `inf` (NumPy warns *overflow encountered in exp*). The answer, $1/(1 + \infty) = 0$, happens to be right, but a warning inside a training loop hides real problems, and under `np.errstate(over="raise")` it is an error. Run the next cell to see it.
#
# Write `sigmoid(z)` so that it never evaluates `exp` of a large positive number. **What is graded:** values within $10^{-12}$ (absolute) or $10^{-7}$ (relative) of the exact sigmoid, for arrays of any shape (1-D, 2-D, float32 too), and *no warning at all*, even for $|z| = 1000$: the test turns warnings into errors and runs your function under `np.errstate(over="raise")`. Any stable formula is fine, e.g. the two-branch one below or $\tfrac12(1 + \tanh(z/2))$. Hint: for $z \ge 0$ use $1/(1+e^{-z})$; for $z < 0$ use the equivalent $e^{z}/(1+e^{z})$. Both only need $e^{-|z|}$, which lies in $(0, 1]$. Beware: `np.where(cond, A, B)` computes **both** `A` and `B` before choosing.


# %%
def naive_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(naive_sigmoid(np.array([-1000.0, 0.0, 1000.0])))
print("warnings:", [str(w.message) for w in caught])


# %% nbgrader={"grade": false, "grade_id": "ex1_sigmoid", "locked": false, "schema_version": 3, "solution": true}
def sigmoid(z):
    """Numerically stable logistic sigmoid, 1 / (1 + exp(-z)), element-wise.

    Args:
        z: array of any shape.

    Returns:
        Array of the same shape with values in [0, 1], within 1e-12 (absolute) or 1e-7 (relative) of the
        exact sigmoid. float32 input is fine. No overflow warning, even for |z| ~ 1000: the tests call it
        under ``np.errstate(over="raise")`` and turn warnings into errors.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # in (0, 1]: exp of a non-positive number never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


# %%
print(sigmoid(np.array([-1000.0, -2.0, 0.0, 2.0, 1000.0])))

# %% nbgrader={"grade": true, "grade_id": "test_ex1_sigmoid", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check that sigmoid gives the right values and never overflows, even for |z| = 1000."""
z = np.array([-5.0, -1.0, 0.0, 0.5, 3.0])
np.testing.assert_allclose(
    sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-7, err_msg="sigmoid(z) should equal 1 / (1 + exp(-z)) for moderate z"
)
assert np.isclose(sigmoid(np.array([0.0]))[0], 0.5), "sigmoid(0) must be exactly one half"
np.testing.assert_allclose(sigmoid(z) + sigmoid(-z), 1.0, rtol=1e-7, err_msg="sigmoid(-z) should equal 1 - sigmoid(z)")
extreme = np.array([-1000.0, -80.0, 80.0, 1000.0])
with warnings.catch_warnings():
    warnings.simplefilter("error")  # any RuntimeWarning becomes an error
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = sigmoid(extreme)
assert np.all(np.isfinite(s)), "sigmoid returned inf or nan for |z| large"
np.testing.assert_allclose(
    s, [0.0, 0.0, 1.0, 1.0], atol=1e-12, err_msg="sigmoid(-1000) should be 0 and sigmoid(1000) should be 1"
)
### BEGIN HIDDEN TESTS
z2 = np.random.default_rng(11).normal(0, 40, size=(7, 5))
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always", RuntimeWarning)
    with np.errstate(over="raise"):
        got2 = np.asarray(sigmoid(z2))
assert not [w_ for w_ in seen if issubclass(w_.category, RuntimeWarning)], "sigmoid warned on large |z|"
assert got2.shape == (7, 5), "sigmoid must keep the shape of a 2-D input"
np.testing.assert_allclose(got2, helpers.lstm.sigmoid(z2), rtol=1e-7, atol=1e-12, err_msg="sigmoid is off")
with np.errstate(over="raise"):
    got3 = np.asarray(sigmoid(np.float32([-900.0, 900.0, -3.0])))
np.testing.assert_allclose(got3, [0.0, 1.0, 0.04742587], rtol=1e-5, atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 2 — one LSTM step (4 points)
#
# Implement one step of the LSTM for a batch, with the packed weights above (blocks **i, f, c, o**). Use *one* matrix product for the input part and one for the recurrent part (`x_t @ W + h_prev @ U + b`), then slice the four blocks; use your `sigmoid` for the three gates and `np.tanh` for the candidate and for the output. Return `(h_t, c_t)`. (The course's reference, `helpers.lstm.lstm_step_forward`, takes the same arguments and also returns a cache for the backward pass of lesson 04: `h_t, c_t, cache`.)


# %% nbgrader={"grade": false, "grade_id": "ex2_lstm_step_forward", "locked": false, "schema_version": 3, "solution": true}
def lstm_step_forward(x_t, h_prev, c_prev, W, U, b):
    """One LSTM step for a batch of N examples.

    Args:
        x_t: inputs at step t, shape (N, D).
        h_prev: previous hidden state h_{t-1}, shape (N, H).
        c_prev: previous cell state c_{t-1}, shape (N, H).
        W: input weights, shape (D, 4H), blocks i, f, c, o.
        U: recurrent weights, shape (H, 4H), blocks i, f, c, o.
        b: biases, shape (4H,), blocks i, f, c, o.

    Returns:
        (h_t, c_t): the new hidden state and the new cell state, each of shape (N, H).
    """
    ### BEGIN SOLUTION
    H = h_prev.shape[1]  # hidden units
    a = x_t @ W + h_prev @ U + b  # (N, 4H) pre-activations, blocks i, f, c, o
    i_t = sigmoid(a[:, :H])  # input gate
    f_t = sigmoid(a[:, H : 2 * H])  # forget gate
    g_t = np.tanh(a[:, 2 * H : 3 * H])  # candidate cell value
    o_t = sigmoid(a[:, 3 * H :])  # output gate
    c_t = f_t * c_prev + i_t * g_t  # keep part of the old cell, add part of the candidate
    h_t = o_t * np.tanh(c_t)  # show part of the squashed cell
    ### END SOLUTION
    return h_t, c_t


# %% [markdown]
# The first test sets the gates by hand: with `W` and `U` zero, each gate is just $\sigma$ of its bias, and a bias of $\pm 30$ makes a gate 0 or 1 (to $10^{-13}$). The second compares with values computed by the reference implementation on fixed inputs (CS231n style).

# %% nbgrader={"grade": true, "grade_id": "test_ex2_lstm_step_forward_gates", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check the gates' roles: f = 1, i = 0 keeps c; f = 0, i = 1 writes the candidate; o scales tanh(c)."""
import helpers.lstm
from helpers import grading

# Graded on its own: the reference sigmoid stands in for yours (a mistake there costs Exercise 1 only).
step = grading.exercise(2, "lstm_step_forward").alone(lstm_step_forward, sigmoid=helpers.lstm.sigmoid)
N, D, H = 3, 2, 4
x_demo = np.random.default_rng(0).normal(size=(N, D))
h_demo = np.random.default_rng(1).normal(size=(N, H))
c_demo = np.random.default_rng(2).normal(size=(N, H))
W0, U0 = np.zeros((D, 4 * H)), np.zeros((H, 4 * H))
cand = np.linspace(-1.0, 1.0, H)  # candidate bias: g = tanh(cand)


def gate_bias(i, f, o):  # blocks i, f, c, o; +30 -> gate 1, -30 -> gate 0
    return np.concatenate([np.full(H, i), np.full(H, f), cand, np.full(H, o)])


h1, c1 = step(x_demo, h_demo, c_demo, W0, U0, gate_bias(i=-30.0, f=30.0, o=30.0))
assert h1.shape == (N, H) and c1.shape == (N, H), (
    f"expected (h_t, c_t) of shape {(N, H)}, got {np.shape(h1)}, {np.shape(c1)}"
)
np.testing.assert_allclose(
    c1,
    c_demo,
    atol=1e-8,
    err_msg="forget gate looks wrong: with f = 1 and i = 0 the cell state should not change "
    "(check the order i, f, c, o, the gate activation and the f * c_prev term)",
)
np.testing.assert_allclose(
    h1, np.tanh(c_demo), atol=1e-8, err_msg="with o = 1 the output should be h_t = tanh(c_t) (did you forget the tanh?)"
)
h2, c2 = step(x_demo, h_demo, c_demo, W0, U0, gate_bias(i=30.0, f=-30.0, o=30.0))
np.testing.assert_allclose(
    c2,
    np.tile(np.tanh(cand), (N, 1)),
    atol=1e-8,
    err_msg="with f = 0 and i = 1 the cell state should become the candidate tanh(b_c): "
    "is the candidate a tanh (not a sigmoid), and is it the third block?",
)
h3, c3 = step(x_demo, h_demo, c_demo, W0, U0, gate_bias(i=-30.0, f=30.0, o=-30.0))
np.testing.assert_allclose(h3, 0.0, atol=1e-8, err_msg="with o = 0 the output h_t should be 0")
### BEGIN HIDDEN TESTS
half = np.concatenate([np.zeros(H), np.zeros(H), cand, np.zeros(H)])  # every gate exactly 0.5
h4, c4 = step(x_demo, h_demo, c_demo, W0, U0, half)
np.testing.assert_allclose(c4, 0.5 * c_demo + 0.5 * np.tanh(cand), atol=1e-12)
np.testing.assert_allclose(h4, 0.5 * np.tanh(c4), atol=1e-12)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ex2_lstm_step_forward_values", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check lstm_step_forward against values of the reference LSTM on fixed inputs (N=2, D=3, H=2)."""
import helpers.lstm
from helpers import grading

# Graded on its own: the reference sigmoid stands in for yours (a mistake there costs Exercise 1 only).
step = grading.exercise(2, "lstm_step_forward").alone(lstm_step_forward, sigmoid=helpers.lstm.sigmoid)
N, D, H = 2, 3, 2
x_t = np.linspace(-1.0, 1.0, N * D).reshape(N, D)
h_prev = np.linspace(-0.5, 0.4, N * H).reshape(N, H)
c_prev = np.linspace(-1.5, 1.2, N * H).reshape(N, H)
W = np.linspace(-0.8, 0.9, D * 4 * H).reshape(D, 4 * H)
U = np.linspace(-0.6, 0.7, H * 4 * H).reshape(H, 4 * H)
b = np.linspace(-0.3, 0.5, 4 * H)
h_t, c_t = step(x_t, h_prev, c_prev, W, U, b)
expected_h = np.array([[-0.3413795298, -0.0618311247], [0.3805575476, 0.7220805897]])
expected_c = np.array([[-0.6641360127, -0.1092734528], [0.5022671673, 1.2222868038]])
np.testing.assert_allclose(
    c_t,
    expected_c,
    atol=1e-8,
    err_msg="c_t is wrong: check c_t = f_t * c_prev + i_t * g_t, the block order i, f, c, o, "
    "and that W is (D, 4H) used as x_t @ W, U as h_prev @ U",
)
np.testing.assert_allclose(h_t, expected_h, atol=1e-8, err_msg="c_t is right but h_t is wrong: h_t = o_t * tanh(c_t)")
### BEGIN HIDDEN TESTS
import helpers.lstm

g = np.random.default_rng(2024)
for n_, d_, h_ in [(1, 3, 5), (4, 6, 6), (5, 2, 3), (2, 8, 1)]:  # batch of 1, square blocks (D = H), H = 1
    xs = g.normal(size=(n_, d_))
    hs, cs = g.normal(size=(n_, h_)), g.normal(size=(n_, h_))
    Ws, Us, bs = g.normal(size=(d_, 4 * h_)), g.normal(size=(h_, 4 * h_)), g.normal(size=4 * h_)
    want_h, want_c, _ = helpers.lstm.lstm_step_forward(xs, hs, cs, Ws, Us, bs)
    got_h, got_c = step(xs, hs, cs, Ws, Us, bs)
    np.testing.assert_allclose(got_c, want_c, atol=1e-10, err_msg=f"c_t differs for N, D, H = {n_, d_, h_}")
    np.testing.assert_allclose(got_h, want_h, atol=1e-10, err_msg=f"h_t differs for N, D, H = {n_, d_, h_}")
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 3 — a whole sequence (3 points)
#
# An LSTM layer runs the cell over time, carrying $(h_t, c_t)$ from one step to the next: $(h_0, c_0) \to (h_1, c_1) \to \dots \to (h_T, c_T)$. Inputs are **batch-first**, as in Keras: `x` has shape (N, T, D) and `x[:, t]` is step $t$. Return the hidden states *and* the cell states of every step, each of shape (N, T, H), so that `h[:, -1]` and `c[:, -1]` are the final states. (Use 0-based Python indices: `h[:, 0]` is $h_1$, the state after the first input.)


# %% nbgrader={"grade": false, "grade_id": "ex3_lstm_forward", "locked": false, "schema_version": 3, "solution": true}
def lstm_forward(x, h0, c0, W, U, b):
    """Run the LSTM over whole sequences.

    Args:
        x: inputs, shape (N, T, D), batch-first.
        h0: initial hidden state, shape (N, H).
        c0: initial cell state, shape (N, H).
        W, U, b: packed weights (D, 4H), (H, 4H), (4H,), blocks i, f, c, o.

    Returns:
        (h, c): hidden states and cell states of every step, each of shape (N, T, H).
    """
    ### BEGIN SOLUTION
    N, T, _ = x.shape  # batch, steps
    H = h0.shape[1]  # hidden units of the layer
    h = np.zeros((N, T, H), dtype=np.result_type(x, h0, W))
    c = np.zeros_like(h)  # cell states, same shape as h
    h_t, c_t = h0, c0  # the state carried through time
    for t in range(T):  # all T steps, in order
        h_t, c_t = lstm_step_forward(x[:, t], h_t, c_t, W, U, b)  # one step, carrying (h, c)
        h[:, t], c[:, t] = h_t, c_t  # store step t
    ### END SOLUTION
    return h, c


# %% nbgrader={"grade": true, "grade_id": "test_ex3_lstm_forward", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""Check lstm_forward on its own: with the reference step standing in for your lstm_step_forward."""
import helpers.lstm
from helpers import grading

ex = grading.exercise(3, "lstm_forward")


def step(x_t, h_prev, c_prev, W, U, b):  # the reference step, with Exercise 2's signature and return
    h_t, c_t, _ = helpers.lstm.lstm_step_forward(x_t, h_prev, c_prev, W, U, b)
    return h_t, c_t


forward = ex.alone(lstm_forward, lstm_step_forward=step)  # a mistake in Exercise 2 does not cost this one
g = np.random.default_rng(3)
N, T, D, H = 2, 4, 3, 5
x = g.normal(size=(N, T, D))
h0, c0 = g.normal(size=(N, H)), g.normal(size=(N, H))
W, U, b = g.normal(size=(D, 4 * H)) * 0.5, g.normal(size=(H, 4 * H)) * 0.5, g.normal(size=4 * H) * 0.5
h, c = forward(x, h0, c0, W, U, b)
ex.shape(h, (N, T, H), "h", hint="return the hidden states of every step, shape (N, T, H)")
ex.shape(c, (N, T, H), "c", hint="return the cell states of every step, shape (N, T, H)")
h_t, c_t = step(x[:, 0], h0, c0, W, U, b)
ex.close(h[:, 0], h_t, "h[:, 0]", atol=1e-10, hint="step 0 should start from (h0, c0)")
for t in range(1, T):
    h_t, c_t = step(x[:, t], h_t, c_t, W, U, b)
    ex.close(
        c[:, t],
        c_t,
        f"c[:, {t}]",
        atol=1e-10,
        hint="each step must start from the previous step's (h, c), and all T steps must run",
    )
    ex.close(h[:, t], h_t, f"h[:, {t}]", atol=1e-10, hint="c is right but h is not: store h_t of each step")
### BEGIN HIDDEN TESTS
for n_, t_, d_, u_ in [(1, 1, 2, 3), (3, 7, 4, 4), (1, 9, 1, 2)]:  # batch of 1 and a single step too
    xs = g.normal(size=(n_, t_, d_))
    hs0, cs0 = g.normal(size=(n_, u_)), g.normal(size=(n_, u_))
    Ws, Us, bs = g.normal(size=(d_, 4 * u_)), g.normal(size=(u_, 4 * u_)), g.normal(size=4 * u_)
    want_h, want_c, _ = helpers.lstm.lstm_forward(xs, hs0, cs0, Ws, Us, bs)
    got_h, got_c = forward(xs, hs0, cs0, Ws, Us, bs)
    ex.close(got_h, want_h, f"h for N, T, D, H = {n_, t_, d_, u_}", atol=1e-10)
    ex.close(got_c, want_c, f"c for N, T, D, H = {n_, t_, d_, u_}", atol=1e-10)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 3 — Your LSTM against `keras.layers.LSTM`
#
# Keras' LSTM layer holds exactly the three arrays of our packed layout:
#
# | Keras weight | shape | ours |
# | --- | --- | --- |
# | `kernel` | (D, 4·units) | `W`, blocks i, f, c, o |
# | `recurrent_kernel` | (units, 4·units) | `U`, blocks i, f, c, o |
# | `bias` | (4·units,) | `b`, blocks i, f, c, o |
#
# Its defaults are ours too: `activation="tanh"` (candidate and output), `recurrent_activation="sigmoid"` (the three gates), zero initial states. By default Keras initialises the bias to zeros except the forget block, which is 1 (`unit_forget_bias=True`), so that a fresh LSTM starts out keeping about $\sigma(1) \approx 0.73$ of its cell state per step.
#
# The next cell builds a layer (no training: it is only *called*), gives it random weights so that every block matters, and runs it with `return_sequences=True` (all hidden states) and `return_state=True` (also the final $h_T$ and $c_T$).

# %%
N_k, T_k, D_k, H_k = 4, 6, 3, 5
keras_layer = keras.layers.LSTM(H_k, return_sequences=True, return_state=True)
keras_layer.build((None, None, D_k))
keras_layer.set_weights(
    [
        rng.normal(0, 0.5, size=(D_k, 4 * H_k)).astype("float32"),  # kernel            (D, 4H)
        rng.normal(0, 0.5, size=(H_k, 4 * H_k)).astype("float32"),  # recurrent_kernel  (H, 4H)
        rng.normal(0, 0.5, size=(4 * H_k,)).astype("float32"),  # bias              (4H,)
    ]
)
x_k = rng.normal(size=(N_k, T_k, D_k)).astype("float32")
keras_seq, keras_h, keras_c = (np.asarray(a) for a in keras_layer(x_k))
for w in keras_layer.weights:
    print(f"{w.path:<28} {tuple(w.shape)}")
print("outputs:", keras_seq.shape, keras_h.shape, keras_c.shape)


# %% [markdown]
# ## Exercise 4 — reproduce Keras with your NumPy LSTM (2 points)
#
# Write `numpy_like_keras(layer, x)`: read the layer's weights with `layer.get_weights()` (a list `[kernel, recurrent_kernel, bias]`), run **your** `lstm_forward` from zero initial states and return the three things Keras returns: all hidden states, the last hidden state and the last cell state. Nothing needs reordering or transposing: Keras' layout *is* ours.


# %% nbgrader={"grade": false, "grade_id": "ex4_numpy_like_keras", "locked": false, "schema_version": 3, "solution": true}
def numpy_like_keras(layer, x):
    """Reproduce keras.layers.LSTM(..., return_sequences=True, return_state=True)(x) with lstm_forward.

    Args:
        layer: a built keras.layers.LSTM.
        x: inputs, shape (N, T, D).

    Returns:
        (h, h_T, c_T): all hidden states (N, T, H), the last hidden state (N, H), the last cell state (N, H).
    """
    ### BEGIN SOLUTION
    kernel, recurrent_kernel, bias = layer.get_weights()  # (D, 4H), (H, 4H), (4H,), blocks i, f, c, o
    zeros = np.zeros((x.shape[0], recurrent_kernel.shape[0]), dtype=x.dtype)  # Keras starts from 0
    h_all, c_all = lstm_forward(x, zeros, zeros, kernel, recurrent_kernel, bias)
    return h_all, h_all[:, -1], c_all[:, -1]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex4_numpy_like_keras", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check that numpy_like_keras reproduces the Keras layer's three outputs to 1e-5 (float32)."""
import helpers.lstm
from helpers import grading


def forward(x, h0, c0, W, U, b):  # the reference layer, with Exercise 3's signature and return
    h, c, _ = helpers.lstm.lstm_forward(x, h0, c0, W, U, b)
    return h, c


# Graded on its own: the reference stands in for your lstm_forward (a mistake there costs Exercise 3 only).
like_keras = grading.exercise(4, "numpy_like_keras").alone(numpy_like_keras, lstm_forward=forward)
rng_k = np.random.default_rng(42)
keras_layer = keras.layers.LSTM(5, return_sequences=True, return_state=True)  # H = 5 on D = 3 features
keras_layer.build((None, None, 3))
keras_layer.set_weights([rng_k.normal(0, 0.5, size=s).astype("float32") for s in [(3, 20), (5, 20), (20,)]])
x_k = rng_k.normal(size=(4, 6, 3)).astype("float32")  # (N, T, D) = (4, 6, 3)
keras_seq, keras_h, keras_c = (np.asarray(a) for a in keras_layer(x_k))
seq, h_T, c_T = like_keras(keras_layer, x_k)
assert np.shape(seq) == keras_seq.shape, f"all hidden states should have shape {keras_seq.shape}, got {np.shape(seq)}"
np.testing.assert_allclose(
    seq,
    keras_seq,
    atol=1e-5,
    err_msg="your hidden states differ from Keras': use kernel as W, recurrent_kernel as U, bias as b, "
    "blocks i, f, c, o, and zero initial states",
)
np.testing.assert_allclose(h_T, keras_h, atol=1e-5, err_msg="the last hidden state differs from Keras' h_T")
np.testing.assert_allclose(c_T, keras_c, atol=1e-5, err_msg="the last cell state differs from Keras' c_T")
### BEGIN HIDDEN TESTS
other = keras.layers.LSTM(3, return_sequences=True, return_state=True)  # Keras' own initialisation
x_other = np.random.default_rng(5).normal(size=(1, 1, 4)).astype("float32")  # N = 1, T = 1
want = [np.asarray(a) for a in other(x_other)]
got = like_keras(other, x_other)
for name, w_, g_ in zip(["h", "h_T", "c_T"], want, got):
    np.testing.assert_allclose(g_, w_, atol=1e-5, err_msg=f"{name} differs for a fresh LSTM(3) on N = T = 1")
longer = np.random.default_rng(6).normal(size=(2, 15, 3)).astype("float32")
for w_, g_ in zip([np.asarray(a) for a in keras_layer(longer)], like_keras(keras_layer, longer)):
    np.testing.assert_allclose(g_, w_, atol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 5 — count the parameters (1 point)
#
# Each of the four blocks has input weights (D, H), recurrent weights (H, H) and a bias (H,). Write `lstm_param_count(D, H)`; the test compares it with Keras' `count_params()`. (Compare: a vanilla RNN layer has a quarter of that.)


# %% nbgrader={"grade": false, "grade_id": "ex5_lstm_param_count", "locked": false, "schema_version": 3, "solution": true}
def lstm_param_count(D, H):
    """Number of trainable parameters of an LSTM layer with D input features and H units."""
    ### BEGIN SOLUTION
    return 4 * (H * D + H * H + H)  # four blocks: W (D, H), U (H, H), b (H,)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex5_lstm_param_count", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""Check lstm_param_count against Keras' count_params() for two layers."""
D_k, H_k = 3, 5
keras_layer = keras.layers.LSTM(H_k)
keras_layer.build((None, None, D_k))
assert lstm_param_count(D_k, H_k) == keras_layer.count_params(), (
    f"Keras' LSTM({H_k}) on {D_k} features has {keras_layer.count_params()} parameters; "
    f"you return {lstm_param_count(D_k, H_k)}: count W, U and b for each of the 4 blocks"
)
wide = keras.layers.LSTM(7)
wide.build((None, None, 2))
assert lstm_param_count(2, 7) == wide.count_params(), "wrong count for D = 2, H = 7"
### BEGIN HIDDEN TESTS
import helpers.lstm

for d_, u_ in [(1, 1), (32, 64), (10, 3)]:
    probe = keras.layers.LSTM(u_)
    probe.build((None, None, d_))
    assert lstm_param_count(d_, u_) == probe.count_params() == helpers.lstm.lstm_param_count(d_, u_), (d_, u_)
### END HIDDEN TESTS

# %% [markdown]
# ## Part 4 — What the cell state is for
#
# The gates are computed from the input and the previous output, so in a trained network they open and close depending on the data. To see what the *cell state* can do, we now set the gates by hand.
#
# If $f_t = 1$ and $i_t = 0$ at every step, then $c_t = 1 \cdot c_{t-1} + 0 \cdot \tilde c_t = c_{t-1}$: the value on the belt is carried **unchanged**, whatever the inputs are, for as many steps as we like. A vanilla RNN cannot do this with a tanh state: lesson 01 showed its memory of one input shrinking like $0.95^k$.
#
# A gate is (almost) constant when its weights are zero and its bias is large: $\sigma(20) = 1 - 2\cdot 10^{-9}$ and $\sigma(-20) = 2 \cdot 10^{-9}$.
#
# ## Exercise 6 — carry a value for 50 steps (3 points)
#
# Write `make_memory_cell(W, U, b, strength)`: return **copies** of the packed weights (blocks i, f, c, o) changed so that, whatever the inputs, the input gate is $\approx 0$, the forget gate $\approx 1$ and the output gate $\approx 1$ (so $h_t = \tanh(c_t)$ shows the stored value). Leave the candidate block (c) as it is: the cell must *ignore* the candidate, not switch it off. The test runs the course's reference LSTM for 50 steps on random inputs and checks that $c_{50} \approx c_0$ and $h_{50} \approx \tanh(c_0)$ to $10^{-3}$.


# %% nbgrader={"grade": false, "grade_id": "ex6_make_memory_cell", "locked": false, "schema_version": 3, "solution": true}
def make_memory_cell(W, U, b, strength=20.0):
    """Copies of packed LSTM weights that make the cell keep c_0 and show it on h.

    Args:
        W: input weights (D, 4H), blocks i, f, c, o.
        U: recurrent weights (H, 4H), blocks i, f, c, o.
        b: biases (4H,), blocks i, f, c, o.
        strength: size of the gate biases; sigmoid(strength) is the gate value aimed at.

    Returns:
        (W2, U2, b2): new arrays of the same shapes; the inputs are not modified.
    """
    ### BEGIN SOLUTION
    H = U.shape[0]  # hidden units from the recurrent weights
    W2, U2, b2 = W.copy(), U.copy(), b.copy()
    blocks = {"i": slice(0, H), "f": slice(H, 2 * H), "o": slice(3 * H, 4 * H)}  # not the candidate
    for sl in blocks.values():
        W2[:, sl] = 0.0  # gates ignore the input ...
        U2[:, sl] = 0.0  # ... and the previous output
    b2[blocks["i"]] = -strength  # i ~ 0: write nothing new
    b2[blocks["f"]] = strength  # f ~ 1: keep everything
    b2[blocks["o"]] = strength  # o ~ 1: show tanh(c) on h
    ### END SOLUTION
    return W2, U2, b2


# %% nbgrader={"grade": true, "grade_id": "test_ex6_make_memory_cell", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""Check that make_memory_cell keeps c_0 for 50 steps (c_50 ~ c_0, h_50 ~ tanh(c_0)) whatever the inputs."""
import helpers.lstm

g = np.random.default_rng(6)
N, T, D, H = 5, 50, 3, 4
W, U, b = g.normal(size=(D, 4 * H)), g.normal(size=(H, 4 * H)), g.normal(size=4 * H)
W_before, U_before, b_before = W.copy(), U.copy(), b.copy()
W2, U2, b2 = make_memory_cell(W, U, b)
assert np.shape(W2) == W.shape and np.shape(U2) == U.shape and np.shape(b2) == b.shape, "keep the shapes of W, U, b"
assert np.array_equal(W, W_before) and np.array_equal(U, U_before) and np.array_equal(b, b_before), (
    "make_memory_cell must return copies and leave its inputs unchanged"
)
np.testing.assert_array_equal(
    W2[:, 2 * H : 3 * H],
    W[:, 2 * H : 3 * H],
    err_msg="leave the candidate block (the third, c) unchanged: the gates should do the work",
)
c0 = g.uniform(-2, 2, size=(N, H))
x = g.normal(size=(N, T, D))
h, c, _ = helpers.lstm.lstm_forward(x, np.zeros((N, H)), c0, W2, U2, b2)
np.testing.assert_allclose(
    c[:, -1],
    c0,
    atol=1e-3,
    err_msg="after 50 steps the cell state should still be c_0: you need f ~ 1 AND i ~ 0 at every step",
)
np.testing.assert_allclose(
    h[:, -1],
    np.tanh(c0),
    atol=1e-3,
    err_msg="the cell state is kept, but h_50 should show it as tanh(c_0): open the output gate (o ~ 1)",
)
### BEGIN HIDDEN TESTS
gg = np.random.default_rng(66)
Wb, Ub, bb = gg.normal(size=(2, 12)) * 2, gg.normal(size=(3, 12)) * 2, gg.normal(size=12) * 2
Wm, Um, bm = make_memory_cell(Wb, Ub, bb)
c_init = gg.uniform(-3, 3, size=(1, 3))
x_loud = gg.normal(0, 3, size=(1, 50, 2))  # large inputs must not disturb the memory
h_m, c_m, _ = helpers.lstm.lstm_forward(x_loud, gg.normal(size=(1, 3)), c_init, Wm, Um, bm)
assert np.max(np.abs(c_m - c_init[:, None, :])) < 1e-3, "the memory must hold at every step, not just the last"
assert np.max(np.abs(h_m[:, -1] - np.tanh(c_init))) < 1e-3
### END HIDDEN TESTS

# %%
# What a random cell does to the same stored value, next to the memory cell.
N_m, T_m, D_m, H_m = 1, 50, 3, 4
W_r, U_r, b_r = helpers.lstm.init_lstm_weights(D_m, H_m, rng, forget_bias=1.0)  # a fresh Keras-like LSTM
c_start = np.array([[1.5, -1.0, 0.5, 2.0]])
x_m = rng.normal(size=(N_m, T_m, D_m))
_, c_random, _ = helpers.lstm.lstm_forward(x_m, np.zeros((N_m, H_m)), c_start, W_r, U_r, b_r)
_, c_memory, _ = helpers.lstm.lstm_forward(x_m, np.zeros((N_m, H_m)), c_start, *make_memory_cell(W_r, U_r, b_r))

fig, ax = plt.subplots()
steps = np.arange(1, T_m + 1)
for k, colour in zip(range(2), ["C0", "C1"]):
    ax.plot(steps, c_memory[0, :, k], color=colour, label=f"memory cell, unit {k}")
    ax.plot(steps, c_random[0, :, k], color=colour, ls="--", label=f"fresh random cell, unit {k}")
ax.set(title="The cell state carries a value when f ≈ 1 and i ≈ 0", xlabel="step t", ylabel="cell state $c_t$")
ax.legend(ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))
plt.show()


# %% [markdown]
# **Written question (2 points).** In two to four sentences: what is the cell state for, and why can an LSTM carry a value for 50 steps when a vanilla RNN with $h_t = \tanh(W x_t + U h_{t-1} + b)$ cannot? Use what you just built.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_cell_state", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Model answer.** The cell state is the LSTM's long-term memory: a separate state that each step only *scales* (by the forget gate) and *adds to* (input gate times candidate), with no weight matrix and no squashing in between. With $f_t \approx 1$ and $i_t \approx 0$ the update is $c_t = c_{t-1}$, so a value rides along unchanged for any number of steps whatever the inputs, and the output gate decides when to show it on $h_t$. A vanilla RNN stores everything in $h_t$, which is pushed through $U$ and a $\tanh$ at every step; keeping a value would need $U$ to act as the identity *and* $\tanh$ to be linear, so the stored value is distorted and (for a contracting $U$) decays geometrically, like $0.95^k$ in lesson 01. Grading: 1 point for "separate state updated additively/multiplicatively by gates, not through $U$ and tanh"; 1 point for explaining that $f \approx 1, i \approx 0$ gives $c_t = c_{t-1}$ independently of the input (or for the contrast with the RNN's repeated squashing).

# %% [markdown]
# ## Exercise 7 — why the forget gate lies between 0 and 1 (2 points)
#
# With the input gate closed ($i_t = 0$) the cell only gets rescaled: $c_k = f_k \odot f_{k-1} \odot \dots \odot f_1 \odot c_0$. So the share of $c_0$ that **survives $k$ steps** is the running product
# $$ s_k = \prod_{t=1}^{k} f_t \qquad (\text{element-wise, per example and unit}). $$
# In lesson 01 the vanilla memory kept a fixed share 0.95 per step, so $s_k = 0.95^k$. In an LSTM $f_t$ is *computed at each step*: the network can hold $f_t \approx 1$ while it needs a value and drop it to 0 when it should forget.
#
# Write `survival(f_seq)`: given the forget-gate values of every step, shape (N, T, H), return $s_1, \dots, s_T$, shape (N, T, H), with `survival(f_seq)[:, k-1]` $= s_k$.


# %% nbgrader={"grade": false, "grade_id": "ex7_survival", "locked": false, "schema_version": 3, "solution": true}
def survival(f_seq):
    """Share of c_0 left after each step when the input gate is closed: running product of forget gates.

    Args:
        f_seq: forget gate values f_1, ..., f_T, shape (N, T, H).

    Returns:
        s, shape (N, T, H), with s[:, k-1] = f_1 * f_2 * ... * f_k.
    """
    ### BEGIN SOLUTION
    return np.cumprod(f_seq, axis=1)  # running product over the time axis
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex7_survival", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check survival: a constant f = 0.95 gives 0.95^k, and it predicts a real LSTM's cell state with i = 0."""
import helpers.lstm

f_const = np.full((1, 10, 2), 0.95)
s = survival(f_const)
assert np.shape(s) == (1, 10, 2), "survival must return one value per step: shape (N, T, H)"
np.testing.assert_allclose(
    s[0, :, 0],
    0.95 ** np.arange(1, 11),
    rtol=1e-12,
    err_msg="with f_t = 0.95 at every step, s_k should be 0.95**k (k = 1 for the first step)",
)
# A real cell: input gate closed (bias -30, zero weights), forget gate driven by the input.
g = np.random.default_rng(7)
N, T, D, H = 3, 12, 2, 4
W, U, b = g.normal(size=(D, 4 * H)), g.normal(size=(H, 4 * H)) * 0.5, g.normal(size=4 * H)
W[:, :H], U[:, :H], b[:H] = 0.0, 0.0, -30.0
x, c0 = g.normal(size=(N, T, D)), g.normal(size=(N, H))
_, c, cache = helpers.lstm.lstm_forward(x, np.zeros((N, H)), c0, W, U, b)  # cache: one dict per step
f_seq = np.stack([step["f"] for step in cache], axis=1)  # forget gates of every step, (N, T, H)
np.testing.assert_allclose(
    survival(f_seq) * c0[:, None, :],
    c,
    atol=1e-9,
    err_msg="survival(f_seq)[:, k-1] * c_0 should equal the cell state c_k of an LSTM whose input gate is closed",
)
### BEGIN HIDDEN TESTS
f_one = np.random.default_rng(8).uniform(0, 1, size=(4, 1, 3))  # T = 1
np.testing.assert_allclose(survival(f_one), f_one, rtol=1e-12)
f_rand = np.random.default_rng(9).uniform(0.5, 1, size=(2, 30, 5))
np.testing.assert_allclose(survival(f_rand)[:, -1], np.prod(f_rand, axis=1), rtol=1e-10)
### END HIDDEN TESTS

# %%
# How long does a value survive? s_k for a few constant forget gates, next to lesson 01's 0.95**k.
k = np.arange(1, 201)
fig, ax = plt.subplots()
ax.plot(k, 0.95**k, color="k", ls=":", lw=2.5, label="vanilla memory of lesson 01: $0.95^k$")
for bias in [1.0, 3.0, 5.0, 7.0]:
    f_val = float(sigmoid(np.array([bias]))[0])  # zero input and h: f = sigmoid(b_f)
    s_k = survival(np.full((1, k.size, 1), f_val))[0, :, 0]
    ax.plot(k, s_k, label=f"LSTM, $b_f$ = {bias:g}: f = {f_val:.4f}")
ax.set_yscale("log")
ax.set_ylim(1e-12, 2)
ax.set(
    title="Share of $c_0$ left after k steps with the input gate closed",
    xlabel="steps k",
    ylabel="$s_k = \\prod f_t$ (log scale)",
)
ax.legend()
plt.show()

# %% [markdown]
# Read the plot carefully. With a constant $f$ the LSTM's memory is *also* geometric: $f = \sigma(3) \approx 0.953$ is almost exactly lesson 01's 0.95. The LSTM's advantage is not a magic non-decaying state but that **$f_t$ is a learned, input-dependent valve**: the network can push $f_t$ to $0.999$ (or, as in Exercise 6, to $1 - 10^{-9}$) while a value matters and to 0 when it does not. Keras' default forget bias of 1 ($f \approx 0.73$) starts with a short memory, and training has to raise it where a task needs more. (Jozefowicz et al., 2015, found a forget bias of 1 instead of 0 helps almost everywhere, which is why Keras uses it; for very long lags larger, spread-out forget biases such as the "chrono" initialisation of Tallec & Ollivier, 2018, are used.)

# %% [markdown]
# **Written question (2 points).** Why is the forget gate a *sigmoid*, with values in $(0, 1)$? Say what would happen to $c_t$ over many steps if $f_t$ could be larger than 1, or negative (e.g. if it were a $\tanh$ or had no activation at all).

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_forget_range", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Model answer.** $f_t$ is the share of the old cell state that is kept, so it must be a fraction: with the input gate closed, $c_k = c_0 \prod_t f_t$. If $f_t$ could exceed 1, the product grows geometrically (e.g. $1.05^{100} \approx 131$): the cell state, and with it the gradients along the cell path, would explode. If $f_t$ could be negative (a $\tanh$ gate, or no activation), the stored value would flip sign from step to step and could still blow up in magnitude, so "keep" would no longer mean keep. With $f_t \in (0, 1)$ the cell state can only be held ($f \to 1$) or shrunk towards 0 ($f \to 0$), and $|c_t|$ stays bounded by the sum of what was written ($|i_t \tilde c_t| \le 1$ per step). Grading: 1 point for "fraction kept / $\prod f_t$ must not grow" (explosion when $f > 1$); 1 point for the negative case (sign flips/oscillation) or the boundedness argument.

# %% [markdown]
# ## Key takeaways
#
# - An LSTM cell has four blocks computed from $x_t$ and $h_{t-1}$ in one packed matrix product: three sigmoid gates ($i_t, f_t, o_t$) and a tanh candidate $\tilde c_t$. Keras packs them in the order **i, f, c, o**: `kernel` (D, 4H), `recurrent_kernel` (H, 4H), `bias` (4H,).
# - The cell state is updated additively, $c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$, and only shown through $h_t = o_t \odot \tanh(c_t)$. With $f \approx 1, i \approx 0$ it holds a value indefinitely.
# - A value's survival is $\prod_t f_t$: geometric for constant $f$, but the gate is learned and input-dependent; $f \in (0,1)$ keeps the memory bounded.
# - An LSTM layer has $4\,(H(H+D) + H)$ parameters: four times a vanilla RNN of the same size.
# - Your 20 lines of NumPy reproduce `keras.layers.LSTM` to $10^{-5}$: there is nothing else inside it.
#
# ## What's next
#
# Lesson 04 runs the LSTM *backwards*: you will derive and code the gradients of every weight, check them numerically, and measure how the gradient reaching an early step depends on the lag, for a vanilla RNN and for an LSTM, along the cell-state path $\partial c_T / \partial c_0 = \prod_t f_t$ (the "constant error carousel").
