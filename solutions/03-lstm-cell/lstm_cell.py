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
# Write `sigmoid(z)` so that it never evaluates `exp` of a large positive number. **What is graded:** for a NumPy array `z` of any shape (the tests use 1-D and 2-D arrays), an array of the same shape whose values are within $10^{-12}$ (absolute) or $10^{-7}$ (relative) of the exact sigmoid; a float32 array may stay float32 and is then graded to float32 precision, $10^{-5}$ relative. And *no warning at all*, even for $|z| = 1000$: the test runs your function under `np.errstate(over="raise")`, so an overflow is an error, and counts any NumPy `RuntimeWarning` as a failure (silencing the warning inside `sigmoid` does not count as avoiding it). The visible test shows every kind of case the hidden one uses: moderate values, $z = \pm 80$ and $\pm 1000$, a 2-D array and a float32 array. Any stable formula is fine, e.g. the two-branch one below or $\tfrac12(1 + \tanh(z/2))$. Hint: for $z \ge 0$ use $1/(1+e^{-z})$; for $z < 0$ use the equivalent $e^{z}/(1+e^{z})$. Both only need $e^{-|z|}$, which lies in $(0, 1]$. Beware: `np.where(cond, A, B)` computes **both** `A` and `B` before choosing.


# %% tags=["demo"]
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
        exact sigmoid (float32 input may stay float32: then within 1e-5 relative). No overflow and no
        warning, even for |z| ~ 1000: the tests call it under ``np.errstate(over="raise")`` and count any
        RuntimeWarning as a failure.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # in (0, 1]: exp of a non-positive number never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


# %% tags=["demo"]
print(sigmoid(np.array([-1000.0, -2.0, 0.0, 2.0, 1000.0])))

# %% nbgrader={"grade": true, "grade_id": "test_ex1_sigmoid", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check that sigmoid gives the right values (1-D, 2-D, float32) and never overflows, even for |z| = 1000."""
import warnings

import numpy as np

import helpers.lstm  # noqa: F811 (re-imported: a test cell is self-contained)
from helpers import grading

ex = grading.exercise(1, "sigmoid")


def looks_like(got, wrong):  # is `got` what a known mistake gives?
    try:
        arr = grading.plain(got, numeric=True)
    except TypeError:
        return False
    return arr.shape == np.shape(wrong) and bool(np.allclose(arr, wrong, atol=1e-6))


def exact(z):  # the exact sigmoid in float64, for moderate z (where the textbook formula cannot overflow)
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def quiet_sigmoid(z, hint):
    """sigmoid(z) under np.errstate(over="raise"); any warning or floating-point error fails with `hint`."""
    problem = None
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            try:
                out = sigmoid(z)
            except FloatingPointError as exc:  # an overflow, turned into an error by np.errstate
                out, problem = None, f"FloatingPointError: {str(exc).splitlines()[0]}"
    seen = [w_ for w_ in seen if issubclass(w_.category, RuntimeWarning)]  # NumPy's overflow warnings
    if problem is None and seen:
        problem = f"a {seen[0].category.__name__}: {str(seen[0].message).splitlines()[0]}"
        hint = (
            "your sigmoid warned: silencing or re-enabling warnings inside sigmoid (np.errstate, warnings filters) "
            "does not avoid the overflow; evaluate exp only at -|z|"
        )
    ex.true(
        problem is None,
        f"sigmoid({np.array2string(np.asarray(z), precision=0)})",
        expected="no warning and no floating-point error",
        got=str(problem),
        hint=hint,
    )
    return out


z = np.array([-5.0, -1.0, 0.0, 0.5, 3.0])
got = sigmoid(z)
ex.close(
    got,
    exact(z),
    "sigmoid of moderate z",
    atol=1e-12,
    rtol=1e-7,
    hint="this is tanh(z), with values in (-1, 1) and tanh(0) = 0: the sigmoid is 1 / (1 + exp(-z)), sigmoid(0) = 0.5"
    if looks_like(got, np.tanh(z))
    else "sigmoid(z) should equal 1 / (1 + exp(-z)) for moderate z, with sigmoid(0) = 0.5",
)
ex.close(sigmoid(-z), 1.0 - exact(z), "sigmoid(-z)", atol=1e-12, rtol=1e-7, hint="sigmoid(-z) should be 1 - sigmoid(z)")
# Large positive z: exp(-z) is tiny, but an exp(z) branch overflows even when np.where does not choose it.
big = quiet_sigmoid(
    np.array([80.0, 1000.0]),
    hint="exp(z) overflows for z = 1000: np.where(cond, A, B) computes both A and B, so an exp(z) branch "
    "overflows even where it is not chosen; evaluate exp only at -|z| (index with a mask, or use exp(-|z|))",
)
ex.close(big, [1.0, 1.0], "sigmoid(80) and sigmoid(1000)", atol=1e-12, hint="sigmoid(z) -> 1 for large z")
# Large negative z: the textbook 1 / (1 + exp(-z)) computes exp(1000).
small = quiet_sigmoid(
    np.array([-1000.0, -80.0]),
    hint="1 / (1 + exp(-z)) overflows for z = -1000 (exp of a large positive number): for z < 0 use "
    "exp(z) / (1 + exp(z)), so that exp is only evaluated at -|z|",
)
ex.close(small, [0.0, 0.0], "sigmoid(-1000) and sigmoid(-80)", atol=1e-12, hint="sigmoid(z) -> 0 for large -z")
z_2d = np.array([[-1000.0, -2.0, 0.0], [1.0, 30.0, 1000.0]])
ex.close(
    quiet_sigmoid(z_2d, hint="a 2-D input with |z| = 1000 overflowed: evaluate exp only at -|z|"),
    helpers.lstm.sigmoid(z_2d),
    "sigmoid of a 2-D array",
    atol=1e-12,
    rtol=1e-7,
    hint="sigmoid must work element-wise on arrays of any shape and keep the shape (2, 3)",
)
z_32 = np.float32([-3.0, 0.0, 2.5])
ex.close(
    quiet_sigmoid(z_32, hint="float32 input overflowed: evaluate exp only at -|z|"),
    exact(z_32),
    "sigmoid of a float32 array",
    atol=1e-12,
    rtol=1e-5,
    hint="float32 input may stay float32 (graded to 1e-5 relative) but must give the sigmoid's values",
)
### BEGIN HIDDEN TESTS
z2 = np.random.default_rng(11).normal(0, 40, size=(7, 5))
got2 = quiet_sigmoid(z2, hint="large |z| in a 2-D array overflowed: evaluate exp only at -|z|")
ex.close(got2, helpers.lstm.sigmoid(z2), "sigmoid of a 2-D array with large |z|", atol=1e-12, rtol=1e-7)
got3 = quiet_sigmoid(np.float32([-900.0, 900.0, -3.0]), hint="float32 |z| = 900 overflowed")
ex.close(got3, [0.0, 1.0, 0.04742587317756678], "sigmoid of float32 [-900, 900, -3]", atol=1e-12, rtol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 2 — one LSTM step (4 points)
#
# Implement one step of the LSTM for a batch, with the packed weights above (blocks **i, f, c, o**). Use *one* matrix product for the input part and one for the recurrent part (`x_t @ W + h_prev @ U + b`), then slice the four blocks; use your `sigmoid` for the three gates and `np.tanh` for the candidate and for the output. Return `(h_t, c_t)`. (The course's reference, `helpers.lstm.lstm_step_forward`, takes the same arguments and also returns a cache for the backward pass of lesson 04: `h_t, c_t, cache`.)
#
# **What is graded:** for float64 NumPy arrays of the shapes in the docstring, a pair `(h_t, c_t)` (a tuple or a list) of two arrays of shape (N, H), each within $10^{-8}$ (absolute) of the exact values; any batch size, including $N = 1$, $H = 1$ and $D = H$. **Graded on its own:** the tests call your function with the course's reference `helpers.lstm.sigmoid` in place of your `sigmoid`, so a mistake in Exercise 1 does not cost this exercise. One ungraded integration check, after Exercise 4, runs all your pieces together.


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
        (h_t, c_t): the new hidden state and the new cell state, each of shape (N, H), within 1e-8 of the
        exact values.
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
# The first test sets the gates by hand: with `W` and `U` zero, each gate is just $\sigma$ of its bias, and a bias of $\pm 30$ makes a gate 0 or 1 (to $10^{-13}$), a bias of 0 makes it 0.5: $f = i = 0$; $f = 1, i = 0$; $f = 0, i = 1$; $o = 0$; every gate at 0.5 (the hidden part uses gates in between). The second compares with the reference implementation on random inputs with $D = H$ and a batch of one, with $H = 1$, and on fixed inputs with known values (CS231n style).

# %% nbgrader={"grade": true, "grade_id": "test_ex2_lstm_step_forward_gates", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check the gates' roles: f = 1, i = 0 keeps c; f = 0, i = 1 writes the candidate; o scales tanh(c)."""
import numpy as np

import helpers.lstm
from helpers import grading

ex = grading.exercise(2, "lstm_step_forward")
# Graded on its own: the reference sigmoid stands in for yours (a mistake there costs Exercise 1 only).
student_step = ex.alone(lstm_step_forward, sigmoid=helpers.lstm.sigmoid)


def check(got, want, what, hint, mistakes=()):
    """ex.close to 1e-8; when `got` is what a known mistake gives, the hint names that mistake."""
    try:
        arr = grading.plain(got, numeric=True)
        hint = next((h for wrong, h in mistakes if arr.shape == np.shape(wrong) and np.allclose(arr, wrong)), hint)
    except TypeError:  # not numbers: ex.close says so
        pass
    ex.close(got, want, what, atol=1e-8, hint=hint)


N, D, H = 3, 2, 4
x_demo = np.random.default_rng(0).normal(size=(N, D))
h_demo = np.random.default_rng(1).normal(size=(N, H))
c_demo = np.random.default_rng(2).normal(size=(N, H))
W0, U0 = np.zeros((D, 4 * H)), np.zeros((H, 4 * H))
cand = np.linspace(-1.0, 1.0, H)  # candidate bias: g = tanh(cand)
g_demo = np.tile(np.tanh(cand), (N, 1))


def run(i, f, o):  # W = U = 0, so each gate is sigmoid of its bias; blocks i, f, c, o; +30 -> 1, -30 -> 0
    out = student_step(
        x_demo, h_demo, c_demo, W0, U0, np.concatenate([np.full(H, i), np.full(H, f), cand, np.full(H, o)])
    )
    ex.true(
        type(out) in (tuple, list) and len(out) == 2,
        "the return value",
        expected="a pair (h_t, c_t)",
        got=f"a {type(out).__name__}" + (f" of length {len(out)}" if type(out) in (tuple, list) else ""),
        hint="return h_t, c_t (only the course's reference also returns a cache)",
    )
    ex.shape(out[0], (N, H), "h_t", hint="h_t has one row per example and one column per unit: (N, H)")
    ex.shape(out[1], (N, H), "c_t", hint="c_t has one row per example and one column per unit: (N, H)")
    return out


h1, c1 = run(i=-30.0, f=-30.0, o=30.0)  # nothing kept, nothing written
check(
    c1,
    0.0,
    "c_t with f = 0 and i = 0",
    hint="with f = 0 and i = 0 nothing is kept and nothing written, so c_t should be 0: "
    "check the gate activations (sigmoid) and the order i, f, c, o",
    mistakes=[
        (-g_demo, "the input gate looks like a tanh: a closed gate must give 0, not -1; i, f and o are sigmoids")
    ],
)
h2, c2 = run(i=-30.0, f=30.0, o=30.0)  # keep everything
check(
    c2,
    c_demo,
    "c_t with f = 1 and i = 0",
    hint="with f = 1 and i = 0 the cell state should not change: check the f_t * c_prev term and the order i, f, c, o",
    mistakes=[
        (
            0 * c_demo,
            "the forget term looks missing: with f = 1 and i = 0 the cell state should not change "
            "(c_t = f_t * c_prev + i_t * g_t)",
        ),
        (
            g_demo,
            "the forget and input gates look swapped: the blocks are in the order i, f, c, o "
            "(input gate first, forget gate second)",
        ),
    ],
)
check(
    h2,
    np.tanh(c_demo),
    "h_t with o = 1",
    hint="with o = 1 the output should be h_t = tanh(c_t)",
    mistakes=[(c_demo, "h_t looks like o_t * c_t: the output is h_t = o_t * tanh(c_t)")],
)
h3, c3 = run(i=30.0, f=-30.0, o=30.0)  # forget everything, write the candidate
check(
    c3,
    g_demo,
    "c_t with f = 0 and i = 1",
    hint="with f = 0 and i = 1 the cell state should become the candidate tanh(b_c): "
    "is the candidate a tanh, and is it the third block?",
    mistakes=[(np.tile(helpers.lstm.sigmoid(cand), (N, 1)), "the candidate looks like a sigmoid: g_t = tanh(a_c)")],
)
h4, c4 = run(i=-30.0, f=30.0, o=-30.0)  # output gate closed
check(h4, 0.0, "h_t with o = 0", hint="with o = 0 the output h_t should be 0: o is the sigmoid of the fourth block")
h5, c5 = run(i=0.0, f=0.0, o=0.0)  # every gate half open
check(
    c5,
    0.5 * c_demo + 0.5 * g_demo,
    "c_t with every gate at 0.5",
    hint="with i = f = 0.5: c_t = 0.5 * c_prev + 0.5 * g_t",
)
check(h5, 0.5 * np.tanh(c5), "h_t with every gate at 0.5", hint="with o = 0.5: h_t = 0.5 * tanh(c_t)")
### BEGIN HIDDEN TESTS
s = helpers.lstm.sigmoid
for i_, f_, o_ in [(1.5, -0.5, 2.0), (-2.0, 3.0, -1.0)]:  # gates neither open nor closed
    h6, c6 = run(i=i_, f=f_, o=o_)
    want_c = s(f_) * c_demo + s(i_) * g_demo
    check(c6, want_c, f"c_t with i, f = sigmoid({i_}), sigmoid({f_})", hint="c_t = f_t * c_prev + i_t * g_t")
    check(h6, s(o_) * np.tanh(want_c), f"h_t with o = sigmoid({o_})", hint="h_t = o_t * tanh(c_t)")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ex2_lstm_step_forward_values", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check lstm_step_forward against the reference LSTM on fixed inputs: D = H, H = 1, N = 1 and N=2, D=3, H=2."""
import numpy as np

import helpers.lstm
from helpers import grading

ex = grading.exercise(2, "lstm_step_forward")
# Graded on its own: the reference sigmoid stands in for yours (a mistake there costs Exercise 1 only).
student_step = ex.alone(lstm_step_forward, sigmoid=helpers.lstm.sigmoid)


def blocks_transposed(M):  # each (H, H) block of a packed (H, 4H) array, transposed: a common slip
    H_ = M.shape[1] // 4
    return np.concatenate([M[:, k * H_ : (k + 1) * H_].T for k in range(4)], axis=1)


def compare(x_t, h_prev, c_prev, W, U, b, what, want_h=None, want_c=None):
    """Your step against the reference (or the given values) to 1e-8, with hints for the usual slips."""
    ref_h, ref_c, _ = helpers.lstm.lstm_step_forward(x_t, h_prev, c_prev, W, U, b)
    want_h = ref_h if want_h is None else want_h
    want_c = ref_c if want_c is None else want_c
    mistakes = [
        (
            helpers.lstm.lstm_step_forward(x_t, h_prev, c_prev, W, blocks_transposed(U), b)[1],
            "each block of U looks transposed: U is (H, 4H) and the recurrent part is h_prev @ U, "
            "blocks side by side along the last axis",
        ),
    ]
    if W.shape[0] == W.shape[1] // 4:  # D == H: a transposed input block still has the right shape
        mistakes.append(
            (
                helpers.lstm.lstm_step_forward(x_t, h_prev, c_prev, blocks_transposed(W), U, b)[1],
                "each block of W looks transposed: W is (D, 4H) and the input part is x_t @ W",
            )
        )
    out = student_step(x_t, h_prev, c_prev, W, U, b)
    ex.true(
        type(out) in (tuple, list) and len(out) == 2,
        f"the return value for {what}",
        expected="a pair (h_t, c_t)",
        got=f"a {type(out).__name__}" + (f" of length {len(out)}" if type(out) in (tuple, list) else ""),
        hint="return h_t, c_t (only the course's reference also returns a cache)",
    )
    h_t, c_t = out
    hint = (
        "c_t is wrong: check c_t = f_t * c_prev + i_t * g_t, the block order i, f, c, o, and that "
        "W is (D, 4H) used as x_t @ W, U (H, 4H) as h_prev @ U"
    )
    try:
        got = grading.plain(c_t, numeric=True)
        hint = next((m for wrong, m in mistakes if got.shape == wrong.shape and np.allclose(got, wrong)), hint)
    except TypeError:  # not numbers: ex.close says so
        pass
    ex.close(c_t, want_c, f"c_t for {what}", atol=1e-8, hint=hint)
    ex.close(h_t, want_h, f"h_t for {what}", atol=1e-8, hint="c_t is right but h_t is wrong: h_t = o_t * tanh(c_t)")


g = np.random.default_rng(23)
# D = H (square blocks: a transposed block would not raise) and a batch of one.
compare(
    g.normal(size=(1, 3)),
    g.normal(size=(1, 3)),
    g.normal(size=(1, 3)),
    g.normal(size=(3, 12)),
    g.normal(size=(3, 12)),
    g.normal(size=12),
    "N, D, H = 1, 3, 3",
)
# One hidden unit: every block is a single column.
compare(
    g.normal(size=(3, 2)),
    g.normal(size=(3, 1)),
    g.normal(size=(3, 1)),
    g.normal(size=(2, 4)),
    g.normal(size=(1, 4)),
    g.normal(size=4),
    "N, D, H = 3, 2, 1",
)
# CS231n style: values of the reference on fixed inputs (N=2, D=3, H=2).
N, D, H = 2, 3, 2
compare(
    np.linspace(-1.0, 1.0, N * D).reshape(N, D),
    np.linspace(-0.5, 0.4, N * H).reshape(N, H),
    np.linspace(-1.5, 1.2, N * H).reshape(N, H),
    np.linspace(-0.8, 0.9, D * 4 * H).reshape(D, 4 * H),
    np.linspace(-0.6, 0.7, H * 4 * H).reshape(H, 4 * H),
    np.linspace(-0.3, 0.5, 4 * H),
    "the fixed inputs N, D, H = 2, 3, 2",
    want_h=np.array([[-0.3413795298, -0.0618311247], [0.3805575476, 0.7220805897]]),
    want_c=np.array([[-0.6641360127, -0.1092734528], [0.5022671673, 1.2222868038]]),
)
### BEGIN HIDDEN TESTS
g = np.random.default_rng(2024)
for n_, d_, h_ in [(1, 3, 5), (4, 6, 6), (5, 2, 3), (2, 8, 1)]:  # batch of 1, square blocks (D = H), H = 1
    compare(
        g.normal(size=(n_, d_)),
        g.normal(size=(n_, h_)),
        g.normal(size=(n_, h_)),
        g.normal(size=(d_, 4 * h_)),
        g.normal(size=(h_, 4 * h_)),
        g.normal(size=4 * h_),
        f"N, D, H = {n_, d_, h_}",
    )
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 3 — a whole sequence (3 points)
#
# An LSTM layer runs the cell over time, carrying $(h_t, c_t)$ from one step to the next: $(h_0, c_0) \to (h_1, c_1) \to \dots \to (h_T, c_T)$. Inputs are **batch-first**, as in Keras: `x` has shape (N, T, D) and `x[:, t]` is step $t$. Return the hidden states *and* the cell states of every step, each of shape (N, T, H), so that `h[:, -1]` and `c[:, -1]` are the final states. (Use 0-based Python indices: `h[:, 0]` is $h_1$, the state after the first input.)
#
# **What is graded:** for float64 NumPy arrays, a pair `(h, c)` (a tuple or a list) of two arrays of shape (N, T, H), every step within $10^{-8}$ (absolute) of the exact values; including a batch of one and a single step ($N = T = 1$), $D = H$ and $D = 1$. **Graded on its own:** the test calls your `lstm_forward` with the course's reference step (`helpers.lstm.lstm_step_forward`, wrapped to return `(h_t, c_t)` as yours does) in place of your `lstm_step_forward`, so a mistake in Exercise 2 does not cost this exercise. Call `lstm_step_forward` for each step: that is the name the test replaces.


# %% nbgrader={"grade": false, "grade_id": "ex3_lstm_forward", "locked": false, "schema_version": 3, "solution": true}
def lstm_forward(x, h0, c0, W, U, b):
    """Run the LSTM over whole sequences.

    Args:
        x: inputs, shape (N, T, D), batch-first.
        h0: initial hidden state, shape (N, H).
        c0: initial cell state, shape (N, H).
        W, U, b: packed weights (D, 4H), (H, 4H), (4H,), blocks i, f, c, o.

    Returns:
        (h, c): hidden states and cell states of every step, each of shape (N, T, H), within 1e-8 of the
        exact values; h[:, t] is h_{t+1}.
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
import numpy as np

import helpers.lstm
from helpers import grading

ex = grading.exercise(3, "lstm_forward")


def reference_step(x_t, h_prev, c_prev, W, U, b):  # the reference step, with Exercise 2's signature and return
    h_t, c_t, _ = helpers.lstm.lstm_step_forward(x_t, h_prev, c_prev, W, U, b)
    return h_t, c_t


forward = ex.alone(lstm_forward, lstm_step_forward=reference_step)  # a mistake in Exercise 2 does not cost this one


def check_sequence(x, h0, c0, W, U, b, what):
    """Every step of your lstm_forward against the reference steps, to 1e-8, naming the usual slips."""
    N, T, _ = x.shape
    H = h0.shape[1]
    out = forward(x, h0, c0, W, U, b)
    ex.true(
        type(out) in (tuple, list) and len(out) == 2,
        f"the return value for {what}",
        expected="a pair (h, c)",
        got=f"a {type(out).__name__}" + (f" of length {len(out)}" if type(out) in (tuple, list) else ""),
        hint="return h, c: the hidden states and the cell states of every step",
    )
    h = ex.shape(out[0], (N, T, H), f"h for {what}", hint="return the hidden states of every step, shape (N, T, H)")
    c = ex.shape(out[1], (N, T, H), f"c for {what}", hint="return the cell states of every step, shape (N, T, H)")
    h_t, c_t = h0, c0
    for t in range(T):
        mistakes = [
            (np.zeros((N, H)), f"step {t} was never computed: the loop must run all T = {T} steps (range(T))"),
            (
                reference_step(x[:, t], h0, c0, W, U, b)[1],
                "every step starts again from (h0, c0): carry the previous step's (h_t, c_t) into the next step",
            ),
        ]
        if t:
            mistakes.append(
                (
                    reference_step(x[:, t], h[:, t - 1], c0, W, U, b)[1],
                    "the cell state is reset to c0 at every step: carry c_t as well as h_t",
                )
            )
        h_t, c_t = reference_step(x[:, t], h_t, c_t, W, U, b)
        hint = next(
            (m for wrong, m in mistakes if np.allclose(c[:, t], wrong) and not np.allclose(c_t, wrong)),
            "each step must start from the previous step's (h, c), and all T steps must run in order",
        )
        ex.close(c[:, t], c_t, f"c[:, {t}] for {what}", atol=1e-8, hint=hint)
        ex.close(
            h[:, t], h_t, f"h[:, {t}] for {what}", atol=1e-8, hint="c is right but h is not: store h_t of each step"
        )


g = np.random.default_rng(3)
N, T, D, H = 2, 4, 3, 5
W, U, b = g.normal(size=(D, 4 * H)) * 0.5, g.normal(size=(H, 4 * H)) * 0.5, g.normal(size=4 * H) * 0.5
check_sequence(
    g.normal(size=(N, T, D)), g.normal(size=(N, H)), g.normal(size=(N, H)), W, U, b, "N, T, D, H = 2, 4, 3, 5"
)
# A batch of one and a single step (T = 1): h[:, 0] and c[:, 0] are the final states.
check_sequence(g.normal(size=(1, 1, 3)), g.normal(size=(1, 5)), g.normal(size=(1, 5)), W, U, b, "N = T = 1")
### BEGIN HIDDEN TESTS
for n_, t_, d_, u_ in [(1, 1, 2, 3), (3, 7, 4, 4), (1, 9, 1, 2)]:  # batch of 1 and a single step too
    check_sequence(
        g.normal(size=(n_, t_, d_)),
        g.normal(size=(n_, u_)),
        g.normal(size=(n_, u_)),
        g.normal(size=(d_, 4 * u_)),
        g.normal(size=(u_, 4 * u_)),
        g.normal(size=4 * u_),
        f"N, T, D, H = {n_, t_, d_, u_}",
    )
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

# %% tags=["demo"]
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
#
# **What is graded:** for a built `keras.layers.LSTM` and a float32 array `x` of shape (N, T, D), three arrays `(h, h_T, c_T)` (a tuple or a list) of shapes (N, T, H), (N, H), (N, H), each within $10^{-5}$ (absolute) of what the layer returns with `return_sequences=True, return_state=True`; computing in float32 or in float64 is fine. The layers have random weights or Keras' own initialisation, and the inputs include a single example of a single step ($N = T = 1$) and a longer sequence ($T = 15$). **Graded on its own:** the test calls your function with the course's reference `helpers.lstm.lstm_forward` (wrapped to return `(h, c)` as yours does) in place of your `lstm_forward`, so a mistake in Exercises 1–3 does not cost this one. The ungraded cell after the test then runs **your** four pieces together against Keras: it is the integration check.


# %% nbgrader={"grade": false, "grade_id": "ex4_numpy_like_keras", "locked": false, "schema_version": 3, "solution": true}
def numpy_like_keras(layer, x):
    """Reproduce keras.layers.LSTM(..., return_sequences=True, return_state=True)(x) with lstm_forward.

    Args:
        layer: a built keras.layers.LSTM.
        x: inputs, shape (N, T, D).

    Returns:
        (h, h_T, c_T): all hidden states (N, T, H), the last hidden state (N, H), the last cell state (N, H),
        each within 1e-5 of the layer's own outputs (float32 or float64).
    """
    ### BEGIN SOLUTION
    kernel, recurrent_kernel, bias = layer.get_weights()  # (D, 4H), (H, 4H), (4H,), blocks i, f, c, o
    zeros = np.zeros((x.shape[0], recurrent_kernel.shape[0]), dtype=x.dtype)  # Keras starts from 0
    h_all, c_all = lstm_forward(x, zeros, zeros, kernel, recurrent_kernel, bias)
    return h_all, h_all[:, -1], c_all[:, -1]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex4_numpy_like_keras", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check that numpy_like_keras reproduces the Keras layer's three outputs to 1e-5 (float32)."""
import keras
import numpy as np

import helpers.lstm
from helpers import grading

ex = grading.exercise(4, "numpy_like_keras")


def reference_forward(x, h0, c0, W, U, b):  # the reference layer, with Exercise 3's signature and return
    h, c, _ = helpers.lstm.lstm_forward(x, h0, c0, W, U, b)
    return h, c


# Graded on its own: the reference stands in for your lstm_forward (a mistake there costs Exercise 3 only).
like_keras = ex.alone(numpy_like_keras, lstm_forward=reference_forward)


def check_layer(layer, x, what):
    """Your three outputs against the layer's own, to 1e-5, with hints for the usual slips."""
    want = [np.asarray(a) for a in layer(x)]
    kernel, recurrent_kernel, bias = layer.get_weights()
    H = recurrent_kernel.shape[0]
    zeros = np.zeros((x.shape[0], H))
    swap = np.r_[H : 2 * H, 0:H, 2 * H : 4 * H]  # blocks f, i, c, o
    mistakes = [
        (
            reference_forward(x, zeros, zeros, kernel, recurrent_kernel, 0 * bias)[0],
            "the bias looks left out: pass the layer's bias (get_weights()[2]) as b",
        ),
        (
            reference_forward(x, zeros, zeros, kernel[:, swap], recurrent_kernel[:, swap], bias[swap])[0],
            "the blocks look reordered: Keras already stores them as i, f, c, o, exactly our order; "
            "nothing needs reordering or transposing",
        ),
        (
            reference_forward(x, zeros, zeros, kernel, recurrent_kernel, bias)[1],
            "these are the cell states: Keras returns all hidden states h, then h_T, then c_T",
        ),
    ]
    out = like_keras(layer, x)
    ex.true(
        type(out) in (tuple, list) and len(out) == 3,
        f"the return value for {what}",
        expected="three arrays (h, h_T, c_T)",
        got=f"a {type(out).__name__}" + (f" of length {len(out)}" if type(out) in (tuple, list) else ""),
        hint="return all hidden states, the last hidden state and the last cell state, as Keras does",
    )
    seq, h_T, c_T = out
    hint = (
        "your hidden states differ from Keras': use kernel as W, recurrent_kernel as U, bias as b, "
        "blocks i, f, c, o, and zero initial states"
    )
    try:
        got = grading.plain(seq, numeric=True)
        hint = next((m for w_, m in mistakes if got.shape == w_.shape and np.allclose(got, w_, atol=1e-5)), hint)
    except TypeError:  # not numbers: ex.close says so
        pass
    ex.close(seq, want[0], f"all hidden states for {what}", atol=1e-5, hint=hint)
    ex.close(h_T, want[1], f"h_T for {what}", atol=1e-5, hint="the last hidden state is h[:, -1]")
    ex.close(c_T, want[2], f"c_T for {what}", atol=1e-5, hint="the last cell state is c[:, -1], not h")


rng_k = np.random.default_rng(42)
keras_layer = keras.layers.LSTM(5, return_sequences=True, return_state=True)  # H = 5 on D = 3 features
keras_layer.build((None, None, 3))
keras_layer.set_weights([rng_k.normal(0, 0.5, size=s).astype("float32") for s in [(3, 20), (5, 20), (20,)]])
check_layer(keras_layer, rng_k.normal(size=(4, 6, 3)).astype("float32"), "N, T, D, H = 4, 6, 3, 5")
# Keras' own initialisation (bias 0 except the forget block), one example of one step (N = T = 1).
fresh = keras.layers.LSTM(2, return_sequences=True, return_state=True)
check_layer(fresh, rng_k.normal(size=(1, 1, 3)).astype("float32"), "a fresh LSTM(2) on N = T = 1")
### BEGIN HIDDEN TESTS
other = keras.layers.LSTM(3, return_sequences=True, return_state=True)  # Keras' own initialisation
check_layer(other, np.random.default_rng(5).normal(size=(1, 1, 4)).astype("float32"), "a fresh LSTM(3) on N = T = 1")
check_layer(keras_layer, np.random.default_rng(6).normal(size=(2, 15, 3)).astype("float32"), "T = 15")
### END HIDDEN TESTS

# %% tags=["demo"]
# Integration check (not graded): YOUR sigmoid, lstm_step_forward, lstm_forward and numpy_like_keras together.
# The graded tests check each exercise on its own (the reference stands in for earlier ones); here nothing does.
layer_all = keras.layers.LSTM(4, return_sequences=True, return_state=True)  # Keras' own initialisation
layer_all.build((None, None, 2))
g_all = np.random.default_rng(30)
x_all = g_all.normal(size=(3, 7, 2)).astype("float32")  # (N, T, D)
W_all, U_all, b_all = (g_all.normal(0, 0.5, size=s) for s in [(2, 16), (4, 16), (16,)])
h_zero = np.zeros((3, 4))
z_all = np.linspace(-8.0, 8.0, 9)
pieces = {  # name: (yours, the course's reference or Keras)
    "Exercise 1, sigmoid": (sigmoid(z_all), helpers.lstm.sigmoid(z_all)),
    "Exercise 2, lstm_step_forward with your sigmoid": (
        lstm_step_forward(x_all[:, 0].astype(float), h_zero, h_zero + 0.5, W_all, U_all, b_all)[1],
        helpers.lstm.lstm_step_forward(x_all[:, 0].astype(float), h_zero, h_zero + 0.5, W_all, U_all, b_all)[1],
    ),
    "Exercise 3, lstm_forward with your step": (
        lstm_forward(x_all.astype(float), h_zero, h_zero, W_all, U_all, b_all)[0],
        helpers.lstm.lstm_forward(x_all.astype(float), h_zero, h_zero, W_all, U_all, b_all)[0],
    ),
    "Exercise 4, numpy_like_keras with your lstm_forward": (numpy_like_keras(layer_all, x_all)[0], layer_all(x_all)[0]),
}
all_ok = True
for name, (yours, want) in pieces.items():
    gap = float(np.max(np.abs(np.asarray(yours, dtype=float) - np.asarray(want, dtype=float))))
    all_ok &= gap < 1e-5
    print(f"{'ok ' if gap < 1e-5 else 'OFF'} {name}: largest difference {gap:.1e}")
print(
    "All together, your pieces reproduce keras.layers.LSTM."
    if all_ok
    else "Not yet: fix the first exercise marked OFF (its graded test above says what looks wrong)."
)

# %% [markdown]
# ## Exercise 5 — count the parameters (1 point)
#
# Each of the four blocks has input weights (D, H), recurrent weights (H, H) and a bias (H,). Write `lstm_param_count(D, H)`: for positive integers `D` and `H`, return the number as an integer (a Python or NumPy integer). The test compares it with Keras' `count_params()`, exactly, for layers from $D = H = 1$ to $D = 32, H = 64$. (Compare: a vanilla RNN layer has a quarter of that.)


# %% nbgrader={"grade": false, "grade_id": "ex5_lstm_param_count", "locked": false, "schema_version": 3, "solution": true}
def lstm_param_count(D, H):
    """Number of trainable parameters of an LSTM layer with D input features and H units.

    Args:
        D: input features, a positive integer.
        H: hidden units, a positive integer.

    Returns:
        The count, an integer: exactly Keras' ``count_params()`` of ``LSTM(H)`` on D features.
    """
    ### BEGIN SOLUTION
    return 4 * (H * D + H * H + H)  # four blocks: W (D, H), U (H, H), b (H,)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex5_lstm_param_count", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""Check lstm_param_count against Keras' count_params(), from D = H = 1 to larger layers."""
import keras

import helpers.lstm
from helpers import grading

ex = grading.exercise(5, "lstm_param_count")


def check_count(D, H):
    layer = keras.layers.LSTM(H)
    layer.build((None, None, D))
    want = layer.count_params()
    mistakes = {
        4 * (H * D + H * H): "the biases are missing: each of the 4 blocks has a bias of H values",
        3 * (H * D + H * H + H): "one block is missing: an LSTM has 4 blocks (i, f, c, o), each with W, U and b",
        4 * (H * D + H): "the recurrent weights are missing: U is (H, 4H), H * H per block",
    }
    got = lstm_param_count(D, H)
    try:
        hint = mistakes.get(grading.plain(got), None)
    except TypeError:  # not a number: ex.equal says so
        hint = None
    ex.equal(
        got,
        want,
        f"lstm_param_count({D}, {H}) (Keras' LSTM({H}) on {D} features)",
        hint=hint or "count W (D, 4H), U (H, 4H) and b (4H,): four blocks of H * D + H * H + H",
    )


check_count(3, 5)
check_count(2, 7)
check_count(1, 1)
### BEGIN HIDDEN TESTS
for d_, u_ in [(32, 64), (10, 3)]:
    check_count(d_, u_)
    ex.equal(lstm_param_count(d_, u_), helpers.lstm.lstm_param_count(d_, u_), f"lstm_param_count({d_}, {u_})")
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
# Write `make_memory_cell(W, U, b, strength)`: return **copies** of the packed weights (blocks i, f, c, o) changed so that, whatever the inputs, the input gate is $\approx 0$, the forget gate $\approx 1$ and the output gate $\approx 1$ (so $h_t = \tanh(c_t)$ shows the stored value). Leave the candidate block (c) as it is: the cell must *ignore* the candidate, not switch it off. **What is graded**, with the default `strength` and float64 arrays: three arrays `(W2, U2, b2)` (a tuple or a list) of the shapes of `W`, `U`, `b`; `W`, `U`, `b` themselves unchanged after the call (exactly); the candidate block of `W2`, `U2` and `b2` exactly as in `W`, `U`, `b`; and, running the course's reference LSTM with your weights for 50 steps on random inputs (some large, $x \sim \mathcal N(0, 3^2)$, with a random $h_0$), $c_t \approx c_0$ and $h_t \approx \tanh(c_0)$ at **every** step, to $10^{-3}$ (absolute). The layers tested have $H = 1$ to $H = 6$ and a batch of one or more.


# %% nbgrader={"grade": false, "grade_id": "ex6_make_memory_cell", "locked": false, "schema_version": 3, "solution": true}
def make_memory_cell(W, U, b, strength=20.0):
    """Copies of packed LSTM weights that make the cell keep c_0 and show it on h.

    Args:
        W: input weights (D, 4H), blocks i, f, c, o.
        U: recurrent weights (H, 4H), blocks i, f, c, o.
        b: biases (4H,), blocks i, f, c, o.
        strength: size of the gate biases; sigmoid(strength) is the gate value aimed at.

    Returns:
        (W2, U2, b2): new arrays of the same shapes, with the candidate block (c) unchanged; the inputs
        are not modified. With them, c_t stays within 1e-3 of c_0 and h_t of tanh(c_0) for 50 steps.
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
"""Check that make_memory_cell returns copies that keep c_0 for 50 steps (c_t ~ c_0, h_t ~ tanh(c_0)) whatever the inputs."""
import numpy as np

import helpers.lstm
from helpers import grading

ex = grading.exercise(6, "make_memory_cell")


def check_memory(W, U, b, x, h0, c0, what):
    """Run the reference LSTM with make_memory_cell's weights: every step must keep c_0 and show tanh(c_0)."""
    W_before, U_before, b_before = W.copy(), U.copy(), b.copy()
    out = make_memory_cell(W, U, b)
    ex.true(
        type(out) in (tuple, list) and len(out) == 3,
        f"the return value for {what}",
        expected="three arrays (W2, U2, b2)",
        got=f"a {type(out).__name__}" + (f" of length {len(out)}" if type(out) in (tuple, list) else ""),
        hint="return W2, U2, b2",
    )
    copy_hint = "the weights you were given were changed in place: work on copies (W.copy(), ...), leave the inputs as they were"
    ex.close(W, W_before, f"W after the call, {what}", hint=copy_hint)
    ex.close(U, U_before, f"U after the call, {what}", hint=copy_hint)
    ex.close(b, b_before, f"b after the call, {what}", hint=copy_hint)
    W2 = ex.shape(out[0], W.shape, f"W2 for {what}", hint="keep the shape of W, (D, 4H)")
    U2 = ex.shape(out[1], U.shape, f"U2 for {what}", hint="keep the shape of U, (H, 4H)")
    b2 = ex.shape(out[2], b.shape, f"b2 for {what}", hint="keep the shape of b, (4H,)")
    H = U.shape[0]
    c_block = slice(2 * H, 3 * H)
    keep_hint = "leave the candidate block (the third, c) as it is in W, U and b: the gates do the work"
    ex.close(W2[:, c_block], W[:, c_block], f"the candidate block of W2, {what}", hint=keep_hint)
    ex.close(U2[:, c_block], U[:, c_block], f"the candidate block of U2, {what}", hint=keep_hint)
    ex.close(b2[c_block], b[c_block], f"the candidate block of b2, {what}", hint=keep_hint)
    h, c, cache = helpers.lstm.lstm_forward(x, h0, c0, W2, U2, b2)
    gate = {k: np.stack([s[k] for s in cache], axis=1) for k in "ifo"}  # (N, T, H) each
    if max(np.ptp(gate[k], axis=1).max() for k in "ifo") > 1e-3:
        hint = (
            "the gates still move with the inputs: set the W and U columns of the i, f and o blocks to zero, "
            "so that each gate is the sigmoid of its bias"
        )
    elif gate["i"].max() > 1e-3:
        hint = f"the input gate is open (i up to {gate['i'].max():.3g}): give the i block the bias -strength, a closed gate"
    elif gate["f"].min() < 1 - 1e-4:
        hint = f"the forget gate is only {gate['f'].min():.3g}: give the f block the bias +strength, so that f ~ 1"
    else:
        hint = "you need f ~ 1 AND i ~ 0 at every step"
    ex.close(c, np.broadcast_to(c0[:, None, :], c.shape), f"c_t at every step, {what}", atol=1e-3, hint=hint)
    ex.close(
        h,
        np.broadcast_to(np.tanh(c0)[:, None, :], h.shape),
        f"h_t at every step, {what}",
        atol=1e-3,
        hint=f"the cell state is kept, but h_t should show it as tanh(c_0): the output gate is only "
        f"{gate['o'].min():.3g}; open it (o ~ 1, bias +strength)",
    )


g = np.random.default_rng(6)
N, T, D, H = 5, 50, 3, 4
W, U, b = g.normal(size=(D, 4 * H)), g.normal(size=(H, 4 * H)), g.normal(size=4 * H)
check_memory(
    W, U, b, g.normal(size=(N, T, D)), g.normal(size=(N, H)), g.uniform(-2, 2, size=(N, H)), "N, D, H = 5, 3, 4"
)
# One example, one unit (H = 1), large weights and loud inputs: they must not disturb the memory.
W, U, b = g.normal(size=(2, 4)) * 2, g.normal(size=(1, 4)) * 2, g.normal(size=4) * 2
check_memory(
    W, U, b, g.normal(0, 3, size=(1, 50, 2)), g.normal(size=(1, 1)), g.uniform(-3, 3, size=(1, 1)), "N = H = 1, loud x"
)
### BEGIN HIDDEN TESTS
gg = np.random.default_rng(66)
Wb, Ub, bb = gg.normal(size=(5, 12)) * 2, gg.normal(size=(3, 12)) * 2, gg.normal(size=12) * 2
check_memory(
    Wb, Ub, bb, gg.normal(0, 3, size=(2, 50, 5)), gg.normal(size=(2, 3)), gg.uniform(-3, 3, size=(2, 3)), "H = 3"
)
Wb, Ub, bb = gg.normal(size=(4, 24)), gg.normal(size=(6, 24)), gg.normal(size=24)
check_memory(
    Wb, Ub, bb, gg.normal(0, 3, size=(3, 50, 4)), gg.normal(size=(3, 6)), gg.uniform(-3, 3, size=(3, 6)), "H = 6"
)
### END HIDDEN TESTS

# %% tags=["demo"]
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


# %% [markdown] nbgrader={"grade": false, "grade_id": "rubric_written_cell_state", "locked": true, "schema_version": 3, "solution": false}
# **Written question (2 points).** In two to four sentences: what is the cell state for, and why can an LSTM carry a value for 50 steps when a vanilla RNN with $h_t = \tanh(W x_t + U h_{t-1} + b)$ cannot? Use what you just built.
#
# **Rubric (2 points)**
# - 1 point: the cell state is a separate memory that each step only scales (forget gate) and adds to (input gate times candidate), not pushed through a weight matrix $U$ and a $\tanh$.
# - 1 point: with $f \approx 1$ and $i \approx 0$ the update is $c_t = c_{t-1}$, whatever the inputs (the value rides along unchanged); or the contrast with the vanilla RNN, whose state goes through $U$ and $\tanh$ at every step and so is distorted and decays.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_cell_state", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Model answer.** The cell state is the LSTM's long-term memory: a separate state that each step only *scales* (by the forget gate) and *adds to* (input gate times candidate), with no weight matrix and no squashing in between. With $f_t \approx 1$ and $i_t \approx 0$ the update is $c_t = c_{t-1}$, so a value rides along unchanged for any number of steps whatever the inputs, and the output gate decides when to show it on $h_t$. A vanilla RNN stores everything in $h_t$, which is pushed through $U$ and a $\tanh$ at every step; keeping a value would need $U$ to act as the identity *and* $\tanh$ to be linear, so the stored value is distorted and (for a contracting $U$) decays geometrically, like $0.95^k$ in lesson 01.

# %% [markdown]
# ## Exercise 7 — why the forget gate lies between 0 and 1 (2 points)
#
# With the input gate closed ($i_t = 0$) the cell only gets rescaled: $c_k = f_k \odot f_{k-1} \odot \dots \odot f_1 \odot c_0$. So the share of $c_0$ that **survives $k$ steps** is the running product
# $$ s_k = \prod_{t=1}^{k} f_t \qquad (\text{element-wise, per example and unit}). $$
# In lesson 01 the vanilla memory kept a fixed share 0.95 per step, so $s_k = 0.95^k$. In an LSTM $f_t$ is *computed at each step*: the network can hold $f_t \approx 1$ while it needs a value and drop it to 0 when it should forget.
#
# Write `survival(f_seq)`: given the forget-gate values of every step, shape (N, T, H), return $s_1, \dots, s_T$, shape (N, T, H), with `survival(f_seq)[:, k-1]` $= s_k$.
#
# **What is graded:** for a float64 NumPy array `f_seq` of values in $(0, 1]$, an array of the same shape (N, T, H) within $10^{-9}$ (relative) of the running product, including a single step ($T = 1$, where $s_1 = f_1$); and, for the forget gates of a real LSTM whose input gate is closed, `survival(f_seq)[:, k-1] * c_0` within $10^{-9}$ (absolute) of its cell state $c_k$.


# %% nbgrader={"grade": false, "grade_id": "ex7_survival", "locked": false, "schema_version": 3, "solution": true}
def survival(f_seq):
    """Share of c_0 left after each step when the input gate is closed: running product of forget gates.

    Args:
        f_seq: forget gate values f_1, ..., f_T, shape (N, T, H).

    Returns:
        s, shape (N, T, H), with s[:, k-1] = f_1 * f_2 * ... * f_k (to 1e-9 relative).
    """
    ### BEGIN SOLUTION
    return np.cumprod(f_seq, axis=1)  # running product over the time axis
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex7_survival", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check survival: a constant f = 0.95 gives 0.95^k, T = 1 gives f_1, and it predicts a real LSTM's cell state."""
import numpy as np

import helpers.lstm
from helpers import grading

ex = grading.exercise(7, "survival")


def check_survival(f_seq, want, what):
    """survival(f_seq) against `want` to 1e-9 relative, naming the usual slips."""
    got = ex.shape(
        survival(f_seq),
        f_seq.shape,
        f"survival for {what}",
        hint="one value per step: shape (N, T, H), like f_seq (np.prod over time keeps only the last step; "
        "use a running product)",
    )
    mistakes = [
        (np.cumsum(f_seq, axis=1), "this is a running sum: the share left is a running product, s_k = f_1 * ... * f_k"),
        (
            np.concatenate([np.ones_like(f_seq[:, :1]), np.cumprod(f_seq, axis=1)[:, :-1]], axis=1),
            "off by one step: s_1 is f_1 (the first step already multiplies by f_1), not 1",
        ),
        (np.cumprod(f_seq, axis=-1), "the product runs over the units (the last axis): it must run over time, axis 1"),
    ]
    hint = next(
        (m for wrong, m in mistakes if np.allclose(got, wrong) and not np.allclose(want, wrong)),
        "s[:, k-1] should be the product f_1 * ... * f_k over the time axis (axis 1)",
    )
    return ex.close(got, want, f"survival for {what}", rtol=1e-9, hint=hint)


check_survival(
    np.full((1, 10, 2), 0.95),
    np.broadcast_to((0.95 ** np.arange(1, 11))[None, :, None], (1, 10, 2)),
    "f_t = 0.95 at every step (s_k = 0.95**k)",
)
f_one = np.array([[[0.3, 0.9]], [[0.5, 1.0]]])  # T = 1: s_1 = f_1
check_survival(f_one, f_one, "a single step, T = 1")
# A real cell: input gate closed (bias -30, zero weights), forget gate driven by the input.
g = np.random.default_rng(7)
N, T, D, H = 3, 12, 2, 4
W, U, b = g.normal(size=(D, 4 * H)), g.normal(size=(H, 4 * H)) * 0.5, g.normal(size=4 * H)
W[:, :H], U[:, :H], b[:H] = 0.0, 0.0, -30.0
x, c0 = g.normal(size=(N, T, D)), g.normal(size=(N, H))
_, c, cache = helpers.lstm.lstm_forward(x, np.zeros((N, H)), c0, W, U, b)  # cache: one dict per step
f_seq = np.stack([step["f"] for step in cache], axis=1)  # forget gates of every step, (N, T, H)
s = check_survival(f_seq, np.cumprod(f_seq, axis=1), "the forget gates of a real LSTM")
ex.close(
    s * c0[:, None, :],
    c,
    "survival(f_seq) * c_0",
    atol=1e-9,
    hint="survival(f_seq)[:, k-1] * c_0 should equal the cell state c_k of an LSTM whose input gate is closed",
)
### BEGIN HIDDEN TESTS
f_1 = np.random.default_rng(8).uniform(0, 1, size=(4, 1, 3))  # T = 1
check_survival(f_1, f_1, "T = 1, N = 4")
f_rand = np.random.default_rng(9).uniform(0.5, 1, size=(2, 30, 5))
s_rand = check_survival(f_rand, np.cumprod(f_rand, axis=1), "T = 30")
ex.close(s_rand[:, -1], np.prod(f_rand, axis=1), "the last step for T = 30", rtol=1e-9)
### END HIDDEN TESTS

# %% tags=["demo"]
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "rubric_written_forget_range", "locked": true, "schema_version": 3, "solution": false}
# **Written question (2 points).** Why is the forget gate a *sigmoid*, with values in $(0, 1)$? Say what would happen to $c_t$ over many steps if $f_t$ could be larger than 1, or negative (e.g. if it were a $\tanh$ or had no activation at all).
#
# **Rubric (2 points)**
# - 1 point: $f_t$ is the fraction of the old cell state kept ($c_k = c_0 \prod_t f_t$ with the input gate closed), so it must not exceed 1: with $f_t > 1$ the product grows geometrically and the cell state (and the gradients along it) explode.
# - 1 point: the negative case: with $f_t < 0$ the stored value flips sign from step to step (and can still grow), so "keep" no longer means keep; or the boundedness argument: with $f_t \in (0, 1)$, $|c_t|$ stays bounded by what was written.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_forget_range", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Model answer.** $f_t$ is the share of the old cell state that is kept, so it must be a fraction: with the input gate closed, $c_k = c_0 \prod_t f_t$. If $f_t$ could exceed 1, the product grows geometrically (e.g. $1.05^{100} \approx 131$): the cell state, and with it the gradients along the cell path, would explode. If $f_t$ could be negative (a $\tanh$ gate, or no activation), the stored value would flip sign from step to step and could still blow up in magnitude, so "keep" would no longer mean keep. With $f_t \in (0, 1)$ the cell state can only be held ($f \to 1$) or shrunk towards 0 ($f \to 0$), and $|c_t|$ stays bounded by the sum of what was written ($|i_t \tilde c_t| \le 1$ per step).

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
