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
# # Lesson 04 — Backpropagation through an LSTM
#
# **What you will learn**
#
# - to derive the backward pass of one LSTM step, gate by gate, from the forward equations of lesson 03;
# - to code it, and backpropagation through time (BPTT) over a whole sequence, in NumPy;
# - to *prove* your gradients right with a centred-difference gradient check in float64, for **every** output ($dx$, $dh_0$, $dc_0$, $dW$, $dU$, $db$);
# - why the gradient along the cell state is a product of forget gates, $\partial c_T / \partial c_0 = \prod_t f_t$ (the *constant error carousel*), and when that formula is exact;
# - what a measurement of gradient norm against lag does (and does not) say about "LSTMs remember longer".
#
# **Why it matters.** Lesson 02 showed that a vanilla RNN's gradient is a product of Jacobians $\prod_t \mathrm{diag}(1 - h_t^2)\,U^\top$ that shrinks (or explodes) geometrically with the lag. The LSTM was *designed from its gradient*: Hochreiter and Schmidhuber asked what recurrence lets an error signal flow back unchanged, and built the cell state around the answer. Writing the backward pass yourself is the only way to see that design, and a gradient check is the habit that keeps every later model honest.

# %%
import matplotlib.pyplot as plt
import numpy as np

import helpers.lstm  # the course's reference LSTM: the forward pass is given; the graded checks also compare against it
from helpers.env import seed_everything
from helpers.gradcheck import eval_numerical_gradient, rel_error
from helpers.plotting import use_course_style
from helpers.rnn import rnn_backward, rnn_forward

rng = seed_everything(0)
use_course_style()


# %% [markdown]
# ## Part 1 — The forward pass and its cache
#
# We reuse the forward step of lesson 03, from the course's helpers: `helpers.lstm.lstm_step_forward(x_t, h_prev, c_prev, W, U, b)` returns `(h_t, c_t, cache)` (your lesson 03 version returned only `(h_t, c_t)`). Packed weights as always: `W` (D, 4H), `U` (H, 4H), `b` (4H,), blocks **i, f, c, o** (Keras' order). The `cache` is a dict holding everything the backward pass needs:
#
# | key | shape | meaning |
# | --- | --- | --- |
# | `x_t`, `h_prev`, `c_prev` | (N, D), (N, H), (N, H) | the step's inputs |
# | `W`, `U` | (D, 4H), (H, 4H) | the weights |
# | `i`, `f`, `g`, `o` | (N, H) each | gate activations $i_t, f_t$, candidate $\tilde c_t$ (`g`), $o_t$ |
# | `tanh_c` | (N, H) | $\tanh(c_t)$ |
#
# For a sequence, `helpers.lstm.lstm_forward(x, h0, c0, W, U, b)` is the loop of your lesson 03 `lstm_forward` over this step. It returns `(h, c, cache)`: the hidden and cell states of every step, (N, T, H) each, and `cache`, the **list of the T step caches** (`cache[t]` is the dict of step `t`).


# %% tags=["demo"]
def numerical_gradients(loss, args, h=1e-5):
    """Centred-difference gradients of the scalar loss(*args) with respect to every array in args."""
    return [eval_numerical_gradient(lambda _: loss(*args), a, h=h) for a in args]


# %% [markdown]
# ## Part 2 — The backward pass of one step, on paper
#
# Write $a_t = x_t W + h_{t-1} U + b = [a_i \mid a_f \mid a_c \mid a_o]$ for the pre-activations. Given the upstream gradients $\delta h_t = \partial L/\partial h_t$ and $\delta c_t = \partial L/\partial c_t$ (the part of the loss that reaches $c_t$ from step $t+1$), walk the forward equations backwards, one line each (all products element-wise):
#
# 1. $h_t = o_t \odot \tanh(c_t)$ gives
#    $\delta o_t = \delta h_t \odot \tanh(c_t)$ and the **total** gradient at the cell
#    $$\delta c = \delta c_t + \delta h_t \odot o_t \odot \big(1 - \tanh^2(c_t)\big).$$
#    $c_t$ is used twice (by $h_t$ and by $c_{t+1}$), so the two contributions add up.
# 2. $c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$ gives
#    $\delta f_t = \delta c \odot c_{t-1}$, $\delta i_t = \delta c \odot \tilde c_t$, $\delta \tilde c_t = \delta c \odot i_t$ and
#    $$\delta c_{t-1} = \delta c \odot f_t .$$
# 3. Through the activations, with $\sigma'(a) = \sigma(a)(1-\sigma(a))$ and $\tanh'(a) = 1 - \tanh^2(a)$, both written with the *outputs* we cached:
#    $\delta a_i = \delta i_t \odot i_t(1-i_t)$, $\delta a_f = \delta f_t \odot f_t(1-f_t)$, $\delta a_c = \delta \tilde c_t \odot (1 - \tilde c_t^2)$, $\delta a_o = \delta o_t \odot o_t(1-o_t)$; pack them as $\delta a = [\delta a_i \mid \delta a_f \mid \delta a_c \mid \delta a_o]$ (N, 4H).
# 4. The matrix product $a_t = x_t W + h_{t-1} U + b$, exactly as for a dense layer:
#    $dx_t = \delta a\, W^\top$, $dh_{t-1} = \delta a\, U^\top$, $dW = x_t^\top \delta a$, $dU = h_{t-1}^\top \delta a$, $db = \sum_{n} \delta a$.
#
# Shapes are your best friend: $dW$ must have the shape of $W$, (D, 4H), and only $x_t^\top$ (D, N) times $\delta a$ (N, 4H) gives that.

# %% [markdown]
# ## Exercise 1 — backward pass of one LSTM step (4 points)
#
# Implement `lstm_step_backward(dh_t, dc_t, cache)` from the four steps above. (The course's version is `helpers.lstm.lstm_step_backward`; calling it from your answer earns no points.)
#
# - **Inputs.** `dh_t` and `dc_t`: float64 arrays (N, H); `cache`: the dict returned by `helpers.lstm.lstm_step_forward` (keys in the table of Part 1). Any N ≥ 1 (a batch of one too), any D and H, including D = H.
# - **Return.** The six gradients in the order of the forward's inputs, `(dx_t, dh_prev, dc_prev, dW, dU, db)` (a tuple; a list is accepted), arrays of shapes (N, D), (N, H), (N, H), (D, 4H), (H, 4H) and (4H,): `db` is one-dimensional and **summed** over the batch (not averaged, not kept as (1, 4H)). Packed gradients in the order i, f, c, o.
# - **Graded** in two test cells of 2 points: `dx_t, dh_prev, dc_prev`, then `dW, dU, db`. Precision: every entry within $10^{-6} + 10^{-6}\,|\text{exact}|$ of the exact gradient, in float64 (so any correct formula or order of operations passes). The visible tests compare with centred-difference numerical gradients (whose own error is about $10^{-9}$), the hidden ones with the course's reference on other random inputs of the same kinds. The visible cases point at one line each: `dh_t = 0` (only `dc_t` reaches the cell), `dc_t = 0` (only the path through $h_t$), weights that are zero outside one gate block (that block's derivative alone), then the general case, a batch of one, D = H and larger weights (saturated gates).
# - The tests give your function copies of their arrays, so changing `dh_t`, `dc_t` or the cache in place costs nothing.


# %% nbgrader={"grade": false, "grade_id": "ex1_lstm_step_backward", "locked": false, "schema_version": 3, "solution": true}
def lstm_step_backward(dh_t, dc_t, cache):
    """Backward pass of one LSTM step.

    Args:
        dh_t: gradient of the loss w.r.t. h_t, float64 (N, H).
        dc_t: gradient of the loss w.r.t. c_t coming from step t + 1, float64 (N, H).
        cache: dict from helpers.lstm.lstm_step_forward (keys x_t, h_prev, c_prev, W, U, i, f, g, o, tanh_c).

    Returns:
        (dx_t, dh_prev, dc_prev, dW, dU, db) (a tuple; a list is accepted) with shapes (N, D), (N, H), (N, H),
        (D, 4H), (H, 4H), (4H,); packed gradients in the order i, f, c, o; db summed over the batch.
        Graded to 1e-6 absolute + 1e-6 relative, element-wise, in float64.
    """
    ### BEGIN SOLUTION
    i, f, g, o = cache["i"], cache["f"], cache["g"], cache["o"]
    tanh_c, c_prev = cache["tanh_c"], cache["c_prev"]
    do = dh_t * tanh_c  # h_t = o * tanh(c_t)
    dc = dc_t + dh_t * o * (1 - tanh_c**2)  # both uses of c_t: via h_t and via c_{t+1}
    df, di, dg = dc * c_prev, dc * g, dc * i  # c_t = f * c_prev + i * g
    dc_prev = dc * f  # the cell path: only a multiplication by f
    da = np.concatenate(
        [
            di * i * (1 - i),  # through the sigmoid of the input gate
            df * f * (1 - f),  # through the sigmoid of the forget gate
            dg * (1 - g**2),  # through the tanh of the candidate
            do * o * (1 - o),
        ],
        axis=1,
    )  # through the sigmoid of the output gate
    dx_t = da @ cache["W"].T  # (N, D)
    dh_prev = da @ cache["U"].T  # (N, H)
    dW = cache["x_t"].T @ da  # (D, 4H)
    dU = cache["h_prev"].T @ da  # (H, 4H)
    db = da.sum(axis=0)  # (4H,): summed over the batch
    ### END SOLUTION
    return dx_t, dh_prev, dc_prev, dW, dU, db


# %% [markdown]
# **Gradient check.** The loss $L = \sum h_t \odot \delta h_t + \sum c_t \odot \delta c_t$ (with fixed random $\delta h_t, \delta c_t$) has exactly the upstream gradients $\delta h_t$ and $\delta c_t$, so its gradient with respect to every input must equal what `lstm_step_backward` returns. We compare each with centred differences $\big(L(\theta + h) - L(\theta - h)\big)/2h$, $h = 10^{-5}$, in float64, and print the relative error $\max |a - n| / (|a| + |n|)$: around $10^{-8}$ or below means right, $10^{-2}$ or above means wrong.

# %% tags=["demo"]
N, D, H = 3, 4, 5
g0 = np.random.default_rng(0)
step_args = [
    g0.normal(size=(N, D)),
    g0.normal(size=(N, H)),
    g0.normal(size=(N, H)),  # x_t, h_prev, c_prev
    g0.normal(size=(D, 4 * H)) * 0.5,
    g0.normal(size=(H, 4 * H)) * 0.5,
    g0.normal(size=4 * H) * 0.5,
]  # W, U, b
dh_up, dc_up = g0.normal(size=(N, H)), g0.normal(size=(N, H))


def step_loss(x_t, h_prev, c_prev, W, U, b):
    h_t, c_t, _ = helpers.lstm.lstm_step_forward(x_t, h_prev, c_prev, W, U, b)
    return np.sum(h_t * dh_up) + np.sum(c_t * dc_up)


_, _, step_cache = helpers.lstm.lstm_step_forward(*step_args)
numeric = numerical_gradients(step_loss, step_args)
analytic = lstm_step_backward(dh_up.copy(), dc_up.copy(), step_cache)
for name, a_, n_ in zip(["dx_t", "dh_prev", "dc_prev", "dW", "dU", "db"], analytic, numeric):
    print(f"{name:8s} relative error {rel_error(a_, n_):.2e}")

# %% nbgrader={"grade": true, "grade_id": "test_ex1_lstm_step_backward_states", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check dx_t, dh_prev and dc_prev of lstm_step_backward: within 1e-6 + 1e-6 |exact| of numerical gradients."""
import copy

import numpy as np

import helpers.gradcheck
import helpers.lstm
from helpers import grading

ex = grading.exercise(1, "lstm_step_backward")
TOL = {"atol": 1e-6, "rtol": 1e-6}  # the stated precision, float64
BLOCKS = ["i", "f", "c", "o"]  # the packed order
DERIVATIVE = {
    "i": "the input gate: da_i = di * i * (1 - i) with di = dc * g (sigmoid' = s * (1 - s))",
    "f": "the forget gate: da_f = df * f * (1 - f) with df = dc * c_prev (sigmoid' = s * (1 - s))",
    "c": "the candidate: da_c = dg * (1 - g**2) with dg = dc * i (tanh' = 1 - tanh**2)",
    "o": "the output gate: da_o = do * o * (1 - o) with do = dh_t * tanh(c_t) (sigmoid' = s * (1 - s))",
}


def make_case(seed, N, D, H, scale=0.5, only=None):
    """Step inputs [x_t, h_prev, c_prev, W, U, b] and upstream dh_t, dc_t; `only`: W, U zero outside that block."""
    g = np.random.default_rng(seed)
    args = [g.normal(size=(N, D)), g.normal(size=(N, H)), g.normal(size=(N, H))]
    args += [g.normal(size=(D, 4 * H)) * scale, g.normal(size=(H, 4 * H)) * scale, g.normal(size=4 * H) * scale]
    if only is not None:
        outside = np.ones(4 * H, dtype=bool)
        outside[only * H : (only + 1) * H] = False
        args[3][:, outside] = 0.0
        args[4][:, outside] = 0.0
    return args, g.normal(size=(N, H)), g.normal(size=(N, H))


def run(args, dh_t, dc_t):
    """(what lstm_step_backward returned, the step's cache, numerical gradients of x_t, h_prev, c_prev)."""

    def loss(*a):
        h_t, c_t, _ = helpers.lstm.lstm_step_forward(*a)
        return np.sum(h_t * dh_t) + np.sum(c_t * dc_t)

    num = [helpers.gradcheck.eval_numerical_gradient(lambda _: loss(*args), a) for a in args[:3]]
    _, _, cache = helpers.lstm.lstm_step_forward(*args)
    got = lstm_step_backward(dh_t.copy(), dc_t.copy(), copy.deepcopy(cache))  # copies: in-place updates are harmless
    ex.true(
        isinstance(got, (tuple, list)) and len(got) == 6,
        "the return value",
        expected="a tuple of 6 gradients (dx_t, dh_prev, dc_prev, dW, dU, db)",
        got=f"{type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""),
        hint="return all six gradients, in the order of the forward's inputs",
    )
    return got, cache, num


def likely(got, default, *suspects):
    """The hint of the first suspect (what a known mistake returns) that `got` matches, else `default`."""
    try:
        arr = grading.plain(got, numeric=True)
    except TypeError:
        return default
    for wrong, hint in suspects:
        if arr.shape == np.shape(wrong) and np.allclose(arr, wrong, **TOL):
            return hint
    return default


# 1. Shapes.
args, dh_t, dc_t = make_case(1, 2, 3, 4)
got, cache, num = run(args, dh_t, dc_t)
ex.shape(got[0], (2, 3), "dx_t", hint="dx_t has the shape of x_t, (N, D): dx_t = da @ W.T")
ex.shape(got[1], (2, 4), "dh_prev", hint="dh_prev has the shape of h_prev, (N, H): dh_prev = da @ U.T (U, not W)")
ex.shape(got[2], (2, 4), "dc_prev", hint="dc_prev has the shape of c_prev, (N, H): dc_prev = dc * f")

# 2. dh_t = 0: the gradient at the cell is dc_t alone, and one step back multiplies it by f.
args, _, dc_t = make_case(11, 2, 3, 4)
got, cache, num = run(args, np.zeros_like(dc_t), dc_t)
ex.close(
    got[2],
    num[2],
    "dc_prev with dh_t = 0",
    **TOL,
    hint=likely(
        got[2],
        "with dh_t = 0 the gradient at the cell is dc_t, and one step back multiplies it by the forget gate: "
        "dc_prev = dc * f with dc = dc_t + dh_t * o * (1 - tanh(c_t)**2)",
        (0 * dc_t, "dc_t looks ignored: c_t also feeds step t + 1, so dc = dc_t + dh_t * o * (1 - tanh(c_t)**2)"),
        (dc_t, "the forget-gate factor looks missing: c_t = f * c_prev + i * g, so dc_prev = dc * f"),
        (dc_t * cache["i"], "dc_prev uses the input gate: c_t = f * c_prev + i * g, so dc_prev = dc * f, not dc * i"),
    ),
)

# 3. dc_t = 0: the cell gets only what comes through h_t = o * tanh(c_t).
args, dh_t, _ = make_case(12, 2, 3, 4)
got, cache, num = run(args, dh_t, np.zeros_like(dh_t))
ex.close(
    got[2],
    num[2],
    "dc_prev with dc_t = 0",
    **TOL,
    hint=likely(
        got[2],
        "with dc_t = 0 the cell gets dh_t * o * (1 - tanh(c_t)**2) through h_t = o * tanh(c_t); dc_prev is that times f",
        (
            dh_t * cache["o"] * cache["f"],
            "the tanh' factor looks missing: h_t = o * tanh(c_t), so the gradient reaching c_t through h_t is "
            "dh_t * o * (1 - tanh(c_t)**2)",
        ),
    ),
)

# 4. One gate block at a time: with W and U zero outside it, dx_t = da_block @ W_block.T shows that block alone.
for k, block in enumerate(BLOCKS):
    args, dh_t, dc_t = make_case(20 + k, 2, 3, 4, only=k)
    got, cache, num = run(args, dh_t, dc_t)
    ex.close(
        got[0],
        num[0],
        f"dx_t with W and U zero outside the {block} block",
        **TOL,
        hint=f"the gradient of {DERIVATIVE[block]}; it fills columns {k}H:{k + 1}H of da (blocks i, f, c, o), "
        "and dx_t = da @ W.T",
    )

# 5. The general case, a batch of one, D = H, larger weights.
GENERAL = {
    "dx_t": "dx_t = da @ W.T, with da (N, 4H) the gradients of the four pre-activations, blocks i, f, c, o",
    "dh_prev": "dh_prev = da @ U.T (the recurrent weights U, not W)",
    "dc_prev": "dc_prev = dc * f, with dc = dc_t + dh_t * o * (1 - tanh(c_t)**2)",
}
for seed, (N, D, H), scale in [(1, (2, 3, 4), 0.5), (2, (1, 2, 3), 1.0), (3, (3, 4, 4), 1.0)]:
    args, dh_t, dc_t = make_case(seed, N, D, H, scale)
    got, cache, num = run(args, dh_t, dc_t)
    where = f"for N, D, H = {N, D, H}, weights x {scale}"
    for k, name in enumerate(["dx_t", "dh_prev", "dc_prev"]):
        ex.close(got[k], num[k], f"{name} {where}", **TOL, hint=GENERAL[name])
### BEGIN HIDDEN TESTS
for seed, (N, D, H) in [(101, (1, 3, 2)), (102, (4, 5, 5)), (103, (2, 6, 3))]:
    args, dh_t, dc_t = make_case(seed, N, D, H, scale=1.0)
    _, _, cache = helpers.lstm.lstm_step_forward(*args)
    want = helpers.lstm.lstm_step_backward(dh_t, dc_t, cache)
    got = lstm_step_backward(dh_t.copy(), dc_t.copy(), copy.deepcopy(cache))
    for k, name in enumerate(["dx_t", "dh_prev", "dc_prev"]):
        ex.close(got[k], want[k], f"{name} for N, D, H = {N, D, H}", **TOL, hint=GENERAL[name])
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ex1_lstm_step_backward_params", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check dW, dU and db of lstm_step_backward: within 1e-6 + 1e-6 |exact| of numerical gradients."""
import copy

import numpy as np

import helpers.gradcheck
import helpers.lstm
from helpers import grading

ex = grading.exercise(1, "lstm_step_backward")
TOL = {"atol": 1e-6, "rtol": 1e-6}  # the stated precision, float64
BLOCKS = ["i", "f", "c", "o"]  # the packed order
DERIVATIVE = {
    "i": "the input gate: da_i = di * i * (1 - i) with di = dc * g (sigmoid' = s * (1 - s))",
    "f": "the forget gate: da_f = df * f * (1 - f) with df = dc * c_prev (sigmoid' = s * (1 - s))",
    "c": "the candidate: da_c = dg * (1 - g**2) with dg = dc * i (tanh' = 1 - tanh**2)",
    "o": "the output gate: da_o = do * o * (1 - o) with do = dh_t * tanh(c_t) (sigmoid' = s * (1 - s))",
}


def make_case(seed, N, D, H, scale=0.5):
    """Step inputs [x_t, h_prev, c_prev, W, U, b] and upstream dh_t, dc_t."""
    g = np.random.default_rng(seed)
    args = [g.normal(size=(N, D)), g.normal(size=(N, H)), g.normal(size=(N, H))]
    args += [g.normal(size=(D, 4 * H)) * scale, g.normal(size=(H, 4 * H)) * scale, g.normal(size=4 * H) * scale]
    return args, g.normal(size=(N, H)), g.normal(size=(N, H))


def run(args, dh_t, dc_t):
    """(what lstm_step_backward returned, numerical gradients of W, U, b)."""

    def loss(*a):
        h_t, c_t, _ = helpers.lstm.lstm_step_forward(*a)
        return np.sum(h_t * dh_t) + np.sum(c_t * dc_t)

    num = [helpers.gradcheck.eval_numerical_gradient(lambda _: loss(*args), a) for a in args[3:]]
    _, _, cache = helpers.lstm.lstm_step_forward(*args)
    got = lstm_step_backward(dh_t.copy(), dc_t.copy(), copy.deepcopy(cache))  # copies: in-place updates are harmless
    ex.true(
        isinstance(got, (tuple, list)) and len(got) == 6,
        "the return value",
        expected="a tuple of 6 gradients (dx_t, dh_prev, dc_prev, dW, dU, db)",
        got=f"{type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""),
        hint="return all six gradients, in the order of the forward's inputs",
    )
    return got[3:], num


def likely(got, default, *suspects):
    """The hint of the first suspect (what a known mistake returns) that `got` matches, else `default`."""
    try:
        arr = grading.plain(got, numeric=True)
    except TypeError:
        return default
    for wrong, hint in suspects:
        if arr.shape == np.shape(wrong) and np.allclose(arr, wrong, **TOL):
            return hint
    return default


# 1. Shapes, on (N, D, H) = (3, 2, 3).
args, dh_t, dc_t = make_case(2, 3, 2, 3)
(dW, dU, db), num = run(args, dh_t, dc_t)
ex.shape(dW, (2, 12), "dW", hint="dW has the shape of W, (D, 4H): dW = x_t.T @ da")
ex.shape(dU, (3, 12), "dU", hint="dU has the shape of U, (H, 4H): the recurrent weights multiply h_prev, not x_t")
ex.shape(db, (12,), "db", hint="db has the shape of b, (4H,): da.sum(axis=0), without keepdims")

# 2. db: every example of the batch uses the same b.
ex.close(
    db,
    num[2],
    "db for a batch of N = 3",
    **TOL,
    hint=likely(
        db,
        "db = da.sum(axis=0): the pre-activation gradients summed over the batch",
        (num[2] / 3, "db looks averaged over the batch: every example uses the same b, so db is the sum, not the mean"),
    ),
)

# 3. dW block by block: each block of columns holds one gate's pre-activation gradient.
dW = grading.plain(dW, numeric=True)
for k, block in enumerate(BLOCKS):
    cols = slice(k * 3, (k + 1) * 3)
    ex.close(
        dW[:, cols],
        num[0][:, cols],
        f"dW[:, {k}H:{k + 1}H], the {block} block",
        **TOL,
        hint=f"dW = x_t.T @ da, and columns {k}H:{k + 1}H of da (blocks i, f, c, o) hold the gradient of "
        f"{DERIVATIVE[block]}",
    )

# 4. dU with D = H, where x_t and h_prev have the same shape.
args, dh_t, dc_t = make_case(3, 2, 4, 4)
(dW, dU, db), num = run(args, dh_t, dc_t)
ex.close(
    dU,
    num[1],
    "dU for D = H = 4",
    **TOL,
    hint=likely(
        dU,
        "dU = h_prev.T @ da",
        (num[0], "dU looks computed with x_t: the recurrent weights multiply h_prev, not x_t, so dU = h_prev.T @ da"),
    ),
)

# 5. The general case, a batch of one, D = H, larger weights.
GENERAL = {
    "dW": "dW = x_t.T @ da, with da (N, 4H) the gradients of the four pre-activations, blocks i, f, c, o",
    "dU": "dU = h_prev.T @ da (the recurrent weights multiply h_prev)",
    "db": "db = da summed over the batch, shape (4H,)",
}
for seed, (N, D, H), scale in [(2, (3, 2, 3), 0.5), (4, (1, 3, 2), 1.0), (5, (2, 4, 4), 1.0)]:
    args, dh_t, dc_t = make_case(seed, N, D, H, scale)
    got, num = run(args, dh_t, dc_t)
    where = f"for N, D, H = {N, D, H}, weights x {scale}"
    for k, name in enumerate(["dW", "dU", "db"]):
        ex.close(got[k], num[k], f"{name} {where}", **TOL, hint=GENERAL[name])
### BEGIN HIDDEN TESTS
for seed, (N, D, H) in [(201, (1, 2, 3)), (202, (4, 5, 5)), (203, (2, 3, 6))]:
    args, dh_t, dc_t = make_case(seed, N, D, H, scale=1.0)
    _, _, cache = helpers.lstm.lstm_step_forward(*args)
    want = helpers.lstm.lstm_step_backward(dh_t, dc_t, cache)
    got = lstm_step_backward(dh_t.copy(), dc_t.copy(), copy.deepcopy(cache))
    for k, name in zip([3, 4, 5], ["dW", "dU", "db"]):
        ex.close(got[k], want[k], f"{name} for N, D, H = {N, D, H}", **TOL, hint=GENERAL[name])
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 2 — backpropagation through time (4 points)
#
# Over a sequence the same $W, U, b$ are used at every step, and each step's state feeds the next. So, walking the steps **backwards** from $t = T$ to $1$:
#
# - the gradient reaching $h_t$ is the loss's own $\delta h_t$ (`dh[:, t]`) **plus** the `dh_prev` returned by step $t+1$;
# - the gradient reaching $c_t$ is the `dc_prev` returned by step $t+1$ (zero at the last step: the loss only looks at $h$);
# - the parameter gradients are **summed** over all steps;
# - what is left after step 1 is $dh_0$ and $dc_0$.
#
# Implement `lstm_backward(dh, cache)` with your `lstm_step_backward`. (The course's version is `helpers.lstm.lstm_backward`; it also takes an optional gradient for the last cell state. Calling it from your answer earns no points.)
#
# - **Inputs.** `dh`: float64 array (N, T, H), zeros where the loss ignores $h_t$; `cache`: the list of the T step caches returned by `helpers.lstm.lstm_forward` (`cache[t]` is step t's dict). Any T ≥ 1 (a single step too), any N ≥ 1, any D and H.
# - **Return.** `(dx, dh0, dc0, dW, dU, db)` (a tuple; a list is accepted), arrays of shapes (N, T, D), (N, H), (N, H), (D, 4H), (H, 4H) and (4H,); `dW, dU, db` summed over the T steps.
# - **Graded on its own**, in two test cells of 2 points (`dx, dh0, dc0`, then `dW, dU, db`): in the tests the course's `helpers.lstm.lstm_step_backward` stands in for your `lstm_step_backward`, so a mistake in Exercise 1 costs only Exercise 1 (the cell after the tests runs your two functions together). Same precision as Exercise 1: every entry within $10^{-6} + 10^{-6}\,|\text{exact}|$, float64; visible tests against numerical gradients, hidden ones against the course's reference on other random inputs of the same kinds. The visible cases: the loss on the first step's $h$ only (nothing may flow forward in time), $U = 0$ with the loss on $h_T$ only (only the cell path carries the gradient back), the loss on $h_T$ only, then the general case, T = 1, N = 1, D = H and larger weights.
# - The tests give your function copies, so adding into `dh` in place costs nothing.


# %% nbgrader={"grade": false, "grade_id": "ex2_lstm_backward", "locked": false, "schema_version": 3, "solution": true}
def lstm_backward(dh, cache):
    """Backpropagation through time for helpers.lstm.lstm_forward.

    Args:
        dh: gradient of the loss w.r.t. every hidden state, float64 (N, T, H) (zeros where the loss ignores h_t).
        cache: list of T >= 1 step caches from helpers.lstm.lstm_forward.

    Returns:
        (dx, dh0, dc0, dW, dU, db) (a tuple; a list is accepted) with shapes (N, T, D), (N, H), (N, H),
        (D, 4H), (H, 4H), (4H,); dW, dU, db summed over the T steps. Graded to 1e-6 absolute + 1e-6
        relative, element-wise, in float64.
    """
    ### BEGIN SOLUTION
    N, T, H = dh.shape  # batch, steps, units
    D = cache[0]["x_t"].shape[1]  # input features
    dx = np.zeros((N, T, D))  # one gradient per input step
    dW = np.zeros((D, 4 * H))  # accumulators for the shared weights
    dU = np.zeros((H, 4 * H))  # (H, 4H)
    db = np.zeros(4 * H)  # (4H,)
    dh_next = np.zeros((N, H))  # gradient reaching h_t from step t + 1
    dc_next = np.zeros((N, H))  # gradient reaching c_t from step t + 1
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, dW_t, dU_t, db_t = lstm_step_backward(dh[:, t] + dh_next, dc_next, cache[t])
        dW += dW_t  # shared weights: add every step's contribution
        dU += dU_t  # ... for U
        db += db_t  # ... and for b
    ### END SOLUTION
    return dx, dh_next, dc_next, dW, dU, db


# %% tags=["demo"]
N, T, D, H = 2, 5, 3, 4
g0 = np.random.default_rng(3)
seq_args = [
    g0.normal(size=(N, T, D)),
    g0.normal(size=(N, H)),
    g0.normal(size=(N, H)),  # x, h0, c0
    g0.normal(size=(D, 4 * H)) * 0.5,
    g0.normal(size=(H, 4 * H)) * 0.5,
    g0.normal(size=4 * H) * 0.5,
]  # W, U, b
dh_seq = g0.normal(size=(N, T, H))


def seq_loss(x, h0, c0, W, U, b):
    h, _, _ = helpers.lstm.lstm_forward(x, h0, c0, W, U, b)
    return np.sum(h * dh_seq)


_, _, seq_cache = helpers.lstm.lstm_forward(*seq_args)
numeric_seq = numerical_gradients(seq_loss, seq_args)
analytic = lstm_backward(dh_seq.copy(), seq_cache)
for name, a_, n_ in zip(["dx", "dh0", "dc0", "dW", "dU", "db"], analytic, numeric_seq):
    print(f"{name:4s} relative error {rel_error(a_, n_):.2e}")

# %% nbgrader={"grade": true, "grade_id": "test_ex2_lstm_backward_inputs", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check dx, dh0 and dc0 of lstm_backward on its own: within 1e-6 + 1e-6 |exact| of numerical gradients."""
import copy

import numpy as np

import helpers.gradcheck
import helpers.lstm
from helpers import grading

ex = grading.exercise(2, "lstm_backward")
# Graded on its own: the reference step stands in for your lstm_step_backward (a mistake there costs Exercise 1 only).
backward = ex.alone(lstm_backward, lstm_step_backward=helpers.lstm.lstm_step_backward)
TOL = {"atol": 1e-6, "rtol": 1e-6}  # the stated precision, float64


def make_case(seed, N, T, D, H, scale=0.5, zero_U=False, loss_at=None):
    """Forward inputs [x, h0, c0, W, U, b] and dh; `loss_at`: the one step whose h the loss looks at."""
    g = np.random.default_rng(seed)
    args = [g.normal(size=(N, T, D)), g.normal(size=(N, H)), g.normal(size=(N, H))]
    args += [g.normal(size=(D, 4 * H)) * scale, g.normal(size=(H, 4 * H)) * scale, g.normal(size=4 * H) * scale]
    if zero_U:
        args[4][:] = 0.0
    dh = g.normal(size=(N, T, H))
    if loss_at is not None:
        ignored = np.ones(T, dtype=bool)
        ignored[loss_at] = False
        dh[:, ignored] = 0.0
    return args, dh


def run(args, dh):
    """(what lstm_backward returned, numerical gradients of x, h0, c0)."""

    def loss(*a):
        h, _, _ = helpers.lstm.lstm_forward(*a)
        return np.sum(h * dh)

    num = [helpers.gradcheck.eval_numerical_gradient(lambda _: loss(*args), a) for a in args[:3]]
    _, _, cache = helpers.lstm.lstm_forward(*args)
    got = backward(dh.copy(), copy.deepcopy(cache))  # copies: in-place updates are harmless
    ex.true(
        isinstance(got, (tuple, list)) and len(got) == 6,
        "the return value",
        expected="a tuple of 6 gradients (dx, dh0, dc0, dW, dU, db)",
        got=f"{type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""),
        hint="return all six gradients, in the order of the forward's inputs",
    )
    return got, num


LAST = "dh0 and dc0 are the dh_prev and dc_prev returned by the first step (t = 0), which is processed last"
GENERAL = {
    "dx": "walk the steps backwards and pass BOTH dh_prev (added to dh[:, t-1]) and dc_prev on to the previous step",
    "dh0": LAST,
    "dc0": LAST,
}

# 1. Shapes.
args, dh = make_case(4, 2, 4, 3, 4)
got, num = run(args, dh)
ex.shape(got[0], (2, 4, 3), "dx", hint="dx has the shape of x, (N, T, D): one dx_t per step")
ex.shape(got[1], (2, 4), "dh0", hint="dh0 has the shape of h0, (N, H)")
ex.shape(got[2], (2, 4), "dc0", hint="dc0 has the shape of c0, (N, H)")

# 2. The loss looks at h of the first step only: no later input can receive a gradient.
args, dh = make_case(41, 2, 4, 3, 4, loss_at=0)
got, num = run(args, dh)
ex.close(
    got[0],
    num[0],
    "dx with the loss on the first step's h only",
    **TOL,
    hint="the gradient flows backwards in time only: walk t from T - 1 down to 0 (reversed(range(T))), "
    "so that step t receives what step t + 1 sends back",
)
ex.close(got[1], num[1], "dh0 with the loss on the first step's h only", **TOL, hint=LAST)
ex.close(got[2], num[2], "dc0 with the loss on the first step's h only", **TOL, hint=LAST)

# 3. U = 0 and the loss on h_T only: the gates ignore h, so only the cell path carries the gradient back.
args, dh = make_case(42, 2, 4, 3, 4, zero_U=True, loss_at=-1)
got, num = run(args, dh)
ex.close(
    got[0],
    num[0],
    "dx with U = 0 and the loss on h_T only",
    **TOL,
    hint="with U = 0 only the cell path carries the gradient back from the last step: pass the dc_prev of "
    "step t on as the dc_t of step t - 1 (zeros at the last step)",
)
ex.close(got[2], num[2], "dc0 with U = 0 and the loss on h_T only", **TOL, hint=LAST)

# 4. The loss on h_T only, U != 0: the gradient also flows back through h_{t-1}.
args, dh = make_case(43, 2, 4, 3, 4, loss_at=-1)
got, num = run(args, dh)
ex.close(
    got[0],
    num[0],
    "dx with the loss on h_T only",
    **TOL,
    hint="the path through h looks cut (if the U = 0 case passed, the cell path is right): the gradient "
    "reaching h_{t-1} is dh[:, t-1] plus the dh_prev returned by step t",
)
ex.close(got[1], num[1], "dh0 with the loss on h_T only", **TOL, hint=LAST)

# 5. The general case, T = 1, N = 1, D = H, larger weights.
for seed, (N, T, D, H), scale in [
    (4, (2, 4, 3, 4), 0.5),
    (5, (2, 1, 3, 2), 1.0),
    (6, (1, 5, 2, 3), 1.0),
    (7, (3, 6, 4, 4), 1.0),
]:
    args, dh = make_case(seed, N, T, D, H, scale)
    got, num = run(args, dh)
    where = f"for N, T, D, H = {N, T, D, H}, weights x {scale}"
    for k, name in enumerate(["dx", "dh0", "dc0"]):
        ex.close(got[k], num[k], f"{name} {where}", **TOL, hint=GENERAL[name])
### BEGIN HIDDEN TESTS
for seed, (N, T, D, H) in [(301, (1, 1, 2, 3)), (302, (3, 6, 4, 4)), (303, (2, 9, 3, 2))]:
    args, dh = make_case(seed, N, T, D, H, scale=1.0)
    _, _, cache = helpers.lstm.lstm_forward(*args)
    want = helpers.lstm.lstm_backward(dh, cache)
    got = backward(dh.copy(), copy.deepcopy(cache))
    for k, name in enumerate(["dx", "dh0", "dc0"]):
        ex.close(got[k], want[k], f"{name} for N, T, D, H = {N, T, D, H}", **TOL, hint=GENERAL[name])
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ex2_lstm_backward_params", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check dW, dU and db of lstm_backward on its own, summed over time: within 1e-6 + 1e-6 |exact| of numerical gradients."""
import copy

import numpy as np

import helpers.gradcheck
import helpers.lstm
from helpers import grading

ex = grading.exercise(2, "lstm_backward")
# Graded on its own: the reference step stands in for your lstm_step_backward (a mistake there costs Exercise 1 only).
backward = ex.alone(lstm_backward, lstm_step_backward=helpers.lstm.lstm_step_backward)
TOL = {"atol": 1e-6, "rtol": 1e-6}  # the stated precision, float64


def make_case(seed, N, T, D, H, scale=0.5):
    """Forward inputs [x, h0, c0, W, U, b] and dh."""
    g = np.random.default_rng(seed)
    args = [g.normal(size=(N, T, D)), g.normal(size=(N, H)), g.normal(size=(N, H))]
    args += [g.normal(size=(D, 4 * H)) * scale, g.normal(size=(H, 4 * H)) * scale, g.normal(size=4 * H) * scale]
    return args, g.normal(size=(N, T, H))


def run(args, dh):
    """(what lstm_backward returned for dW, dU, db; their numerical gradients; each step's share of them)."""

    def loss(*a):
        h, _, _ = helpers.lstm.lstm_forward(*a)
        return np.sum(h * dh)

    num = [helpers.gradcheck.eval_numerical_gradient(lambda _: loss(*args), a) for a in args[3:]]
    _, _, cache = helpers.lstm.lstm_forward(*args)
    shares, dh_next, dc_next = [None] * len(cache), 0.0, np.zeros_like(args[1])
    for t in reversed(range(len(cache))):  # each step's contribution, as the reference computes it
        step = helpers.lstm.lstm_step_backward(dh[:, t] + dh_next, dc_next, cache[t])
        dh_next, dc_next, shares[t] = step[1], step[2], step[3:]
    got = backward(dh.copy(), copy.deepcopy(cache))  # copies: in-place updates are harmless
    ex.true(
        isinstance(got, (tuple, list)) and len(got) == 6,
        "the return value",
        expected="a tuple of 6 gradients (dx, dh0, dc0, dW, dU, db)",
        got=f"{type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""),
        hint="return all six gradients, in the order of the forward's inputs",
    )
    return got[3:], num, shares


def likely(got, default, *suspects):
    """The hint of the first suspect (what a known mistake returns) that `got` matches, else `default`."""
    try:
        arr = grading.plain(got, numeric=True)
    except TypeError:
        return default
    for wrong, hint in suspects:
        if arr.shape == np.shape(wrong) and np.allclose(arr, wrong, **TOL):
            return hint
    return default


ONE_STEP = (
    "{name} looks like the contribution of one step only: the same {p} is used at every step, so add up (+=) "
    "the contributions of all T steps"
)
SUM = (
    "{name} is the sum over the T steps of each step's {name}; if dx fails too, the gradients passed between "
    "steps are wrong (see the dx, dh0, dc0 test)"
)

# 1. Shapes, on (N, T, D, H) = (3, 5, 2, 3).
args, dh = make_case(5, 3, 5, 2, 3)
got, num, shares = run(args, dh)
ex.shape(got[0], (2, 12), "dW", hint="dW has the shape of W, (D, 4H)")
ex.shape(got[1], (3, 12), "dU", hint="dU has the shape of U, (H, 4H)")
ex.shape(got[2], (12,), "db", hint="db has the shape of b, (4H,)")

# 2. Summed over the steps.
for k, (name, p) in enumerate([("dW", "W"), ("dU", "U"), ("db", "b")]):
    ex.close(
        got[k],
        num[k],
        f"{name} over T = 5 steps",
        **TOL,
        hint=likely(
            got[k],
            SUM.format(name=name),
            *[(share[k], ONE_STEP.format(name=name, p=p)) for share in (shares[0], shares[-1])],
        ),
    )

# 3. The general case, T = 1, N = 1, D = H, larger weights.
for seed, (N, T, D, H), scale in [(51, (2, 1, 3, 2), 1.0), (52, (1, 5, 2, 3), 1.0), (53, (2, 6, 4, 4), 1.0)]:
    args, dh = make_case(seed, N, T, D, H, scale)
    got, num, shares = run(args, dh)
    where = f"for N, T, D, H = {N, T, D, H}, weights x {scale}"
    for k, name in enumerate(["dW", "dU", "db"]):
        ex.close(got[k], num[k], f"{name} {where}", **TOL, hint=SUM.format(name=name))
### BEGIN HIDDEN TESTS
for seed, (N, T, D, H) in [(401, (1, 1, 3, 2)), (402, (2, 8, 3, 3)), (403, (3, 4, 2, 5))]:
    args, dh = make_case(seed, N, T, D, H, scale=1.0)
    _, _, cache = helpers.lstm.lstm_forward(*args)
    want = helpers.lstm.lstm_backward(dh, cache)
    got = backward(dh.copy(), copy.deepcopy(cache))
    for k, name in zip([3, 4, 5], ["dW", "dU", "db"]):
        ex.close(got[k], want[k], f"{name} for N, T, D, H = {N, T, D, H}", **TOL, hint=SUM.format(name=name))
### END HIDDEN TESTS

# %% tags=["demo"]
# Not graded: your two exercises together (the tests above gave your lstm_backward the course's step).
together = lstm_backward(dh_seq.copy(), seq_cache)  # calls YOUR lstm_step_backward
names = ["dx", "dh0", "dc0", "dW", "dU", "db"]
off = [n for n, a_, n_ in zip(names, together, numeric_seq) if not np.allclose(a_, n_, atol=1e-6, rtol=1e-6)]
if off:
    raise AssertionError(
        f"Your lstm_backward with your own lstm_step_backward gets {', '.join(off)} wrong. If the tests of "
        "Exercise 2 pass, the mistake is in lstm_step_backward (Exercise 1)."
    )
print("Your lstm_backward with your own lstm_step_backward: all six gradients match the numerical ones.")

# %% [markdown]
# ## Part 3 — The constant error carousel
#
# Look again at step 2 of the derivation: $\delta c_{t-1} = \delta c \odot f_t$. Along the cell state, going back one step only **multiplies by the forget gate**: no weight matrix, no $\tanh'$. Following this path from $c_T$ back to $c_0$,
# $$ \frac{\partial c_T}{\partial c_0}\Big|_{\text{cell path}} = \mathrm{diag}\Big(\prod_{t=1}^{T} f_t\Big). $$
# Compare the vanilla RNN of lesson 02, where every step multiplies by $\mathrm{diag}(1-h_t^2)\,U^\top$: with $\|U\| < 1$ or saturated units this shrinks geometrically whatever the data. Along the cell path the factor per step is $f_t$, which the network *learns*; with $f_t = 1$ the error flows back unchanged for ever: Hochreiter and Schmidhuber's "constant error carousel" (their 1997 LSTM had no forget gate at all, i.e. $f_t \equiv 1$).
#
# **When is the formula exact?** $c_T$ also depends on $c_0$ through other paths: $c_0 \to h_1 = o_1 \tanh(c_1) \to$ the gates of step 2 (via $U$) $\to c_2 \dots$. The full derivative is the cell path *plus* all those paths through $h$. They vanish when nothing that feeds the cell state depends on the previous output, i.e. $U_i = U_f = U_c = 0$ (the blocks of $U$ for the input and forget gates *and* the candidate; $U_o$ may stay, since $o_t$ only reads the cell out); then the product of forget gates is the whole story. The next cell checks this with **your** `lstm_backward`: with $U = 0$ and the loss $L = \sum h_T \odot \delta h_T$, the gradient reaching $c_T$ is $\delta c_T = \delta h_T \odot o_T \odot (1 - \tanh^2 c_T)$, and $dc_0$ must be exactly $\delta c_T \odot \prod_t f_t$.

# %% tags=["demo"]
N, T, D, H = 2, 40, 3, 4
g0 = np.random.default_rng(6)
x_c, c0_c = g0.normal(size=(N, T, D)), g0.normal(size=(N, H))
W_c, b_c = g0.normal(size=(D, 4 * H)), g0.normal(size=4 * H)
b_c[H : 2 * H] += 2.0  # a larger forget bias (blocks i, f, c, o), so that something survives 40 steps
U_zero = np.zeros((H, 4 * H))  # gates depend on x_t only: the cell path is the only path from c_0 to c_T
_, _, cache_c = helpers.lstm.lstm_forward(x_c, np.zeros((N, H)), c0_c, W_c, U_zero, b_c)
dh_last = np.zeros((N, T, H))
dh_last[:, -1] = g0.normal(size=(N, H))  # the loss looks at h_T only
_, _, dc0_c, _, _, _ = lstm_backward(dh_last, cache_c)

last = cache_c[-1]
dc_T = dh_last[:, -1] * last["o"] * (1 - last["tanh_c"] ** 2)
prod_f = np.prod([step["f"] for step in cache_c], axis=0)  # (N, H)
print("max |dc0 - dc_T * prod f| =", np.max(np.abs(dc0_c - dc_T * prod_f)))
print(f"prod of forget gates over {T} steps, first example:", ", ".join(f"{v:.1e}" for v in prod_f[0]))


# %% [markdown]
# ## Part 4 — Measured: gradient norm against lag, vanilla RNN vs LSTM
#
# Now the real question: *at the start of training*, does the gradient that an early input receives shrink more slowly in an LSTM? We measure it rather than argue.
#
# - Same sizes for both: D = 4 inputs, H = 32 units, T = 100 steps, a batch of N = 16 random sequences $x \sim \mathcal N(0, 1)$.
# - Keras' default initialisation for both: Glorot-uniform input weights, orthogonal recurrent weights, zero biases; for the LSTM the forget-gate bias is 1 (`unit_forget_bias=True`). We add an LSTM with forget bias 3 to see what that one number does.
# - The loss looks at the last output only, $L = \sum h_T \odot v$ with a random $v$; we backpropagate and record $\|\partial L/\partial x_{T-k}\|$ (averaged over the batch) for every lag $k$, averaged over 5 random initialisations.
# - Dashed: the cell path alone, $\prod f_t$ over the last $k$ steps (averaged over examples and units), for each LSTM.


# %% tags=["demo"]
def keras_like_rnn_weights(D, H, rng):
    """Glorot-uniform W (D, H), orthogonal U (H, H), zero b: keras.layers.SimpleRNN's defaults."""
    limit = np.sqrt(6.0 / (D + H))
    q, r = np.linalg.qr(rng.normal(size=(H, H)))
    return rng.uniform(-limit, limit, size=(D, H)), q * np.sign(np.diag(r)), np.zeros(H)


N_e, T_e, D_e, H_e, seeds = 16, 100, 4, 32, 5
lags = np.arange(T_e)  # lag k = T - t: how long ago the input arrived
curves = {"vanilla RNN": [], "LSTM, forget bias 1": [], "LSTM, forget bias 3": []}
cell_paths = {"LSTM, forget bias 1": [], "LSTM, forget bias 3": []}
for seed in range(seeds):
    g = np.random.default_rng(100 + seed)
    x_e = g.normal(size=(N_e, T_e, D_e))
    dh_e = np.zeros((N_e, T_e, H_e))
    dh_e[:, -1] = g.normal(size=(N_e, H_e))  # L = sum(h_T * v)
    h_r, cache_r = rnn_forward(x_e, np.zeros((N_e, H_e)), *keras_like_rnn_weights(D_e, H_e, g))
    dx_r = rnn_backward(dh_e, cache_r)[0]
    curves["vanilla RNN"].append(np.linalg.norm(dx_r, axis=2).mean(axis=0)[::-1])  # index = lag
    for bias, name in [(1.0, "LSTM, forget bias 1"), (3.0, "LSTM, forget bias 3")]:
        W_e, U_e, b_e = helpers.lstm.init_lstm_weights(D_e, H_e, g, forget_bias=bias)
        zeros_e = np.zeros((N_e, H_e))
        _, _, cache_l = helpers.lstm.lstm_forward(x_e, zeros_e, zeros_e, W_e, U_e, b_e)
        dx_l = helpers.lstm.lstm_backward(dh_e, cache_l)[0]
        curves[name].append(np.linalg.norm(dx_l, axis=2).mean(axis=0)[::-1])
        f_e = np.stack([step["f"] for step in cache_l])  # (T, N, H) forget gates
        back = np.cumprod(f_e[::-1], axis=0)  # prod of f over the last k + 1 steps
        cell_paths[name].append(np.concatenate([np.ones(1), back.mean(axis=(1, 2))[:-1]]))

fig, ax = plt.subplots()
for (name, vals), colour in zip(curves.items(), ["k", "C0", "C1"]):
    ax.plot(lags, np.mean(vals, axis=0), color=colour, label=f"{name}: $\\|\\partial L/\\partial x_{{T-k}}\\|$")
for (name, vals), colour in zip(cell_paths.items(), ["C0", "C1"]):
    ax.plot(lags, np.mean(vals, axis=0), color=colour, ls="--", label=f"{name}: cell path $\\prod f_t$")
ax.set_yscale("log")
ax.set(
    title=f"Gradient reaching an input k steps back (D={D_e}, H={H_e}, T={T_e}, {seeds} seeds, at initialisation)",
    xlabel="lag k (steps)",
    ylabel="gradient norm (log scale)",
)
ax.title.set_fontsize(11)
ax.legend(fontsize=9)
plt.show()
for name, vals in curves.items():
    m = np.mean(vals, axis=0)
    print(f"{name:22s} lag 0: {m[0]:.1e}   lag 20: {m[20]:.1e}   lag 50: {m[50]:.1e}   lag 99: {m[99]:.1e}")

# %% [markdown]
# **What the plot shows** (numbers printed under it). At initialisation, the vanilla RNN's gradient falls geometrically with the lag, by about eleven orders of magnitude over 100 steps (lesson 02's vanishing gradient). The LSTM with Keras' default forget bias 1 *also* vanishes, only more slowly (about eight orders of magnitude): its forget gates are about $\sigma(1) \approx 0.73$, and the dashed cell-path product $0.73^k$ falls even faster than the total, so here the paths through $h$ carry most of what arrives. Raising the forget bias to 3 ($f \approx 0.95$) changes the picture completely: the gradient reaching an input 99 steps back is *larger* than the one reaching the last input. One bias, not the architecture alone, decides whether the carousel turns.
#
# **What it does not show.** This is one random initialisation scheme on random inputs, *before any training*. A large gradient at lag 99 says the early input *can* influence the loss; it says nothing about whether training will find a useful memory, and a gradient that does not shrink can also grow: for forget bias 3 the curve rises from about 0.1 at lag 20 to about 0.7 at lag 99, far above the cell-path product (about $10^{-2}$ there), so that growth comes through the paths via $h$ and $U$; an LSTM is not immune to exploding gradients. The plot also shows norms averaged over 5 initialisations and 16 sequences, not the spread between them. During training the gates become input-dependent and the picture changes. Whether an LSTM actually *remembers* longer than an RNN is a question about trained models on a task with a known lag: that is lesson 06's experiment.

# %% [markdown] nbgrader={"grade": false, "grade_id": "rubric_written_forget_gate", "locked": true, "schema_version": 3, "solution": false}
# **Written question (2 points).** What is the role of the forget gate? Answer in three to five sentences using *this* lesson: what the backward step $\delta c_{t-1} = \delta c \odot f_t$ does to the gradient along the cell state (and what that makes of $\partial c_T / \partial c_0$ on the cell path), what the forget-bias 1 vs 3 plot measured, and one limit of what that plot shows.
#
# **Rubric (2 points)**
# - 1 point: the mechanism: forwards $f_t$ decides how much of $c_{t-1}$ is kept ($c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$); backwards the cell path multiplies the gradient by $f_t$ alone ($\delta c_{t-1} = \delta c \odot f_t$: no weight matrix, no $\tanh'$), so over k steps it is the product of the forget gates, $\prod f_t$ (exact when the gates and the candidate ignore $h$, $U_i = U_f = U_c = 0$): $f \approx 1$ carries the error (and the memory) far back, $f \approx 0$ cuts it. Contrasting with the vanilla RNN's repeated $\mathrm{diag}(1-h_t^2)U^\top$ is welcome but not required.
# - 1 point: the measurement and one honest limit: at initialisation the forget bias 1 ($f \approx 0.73$) LSTM's gradient still vanished with the lag (the cell-path product $\approx 0.73^k$), with bias 3 ($f \approx 0.95$) the gradient at lag 99 was as large as at lag 0 or larger, so the forget gate's value (its bias) decides whether the carousel turns; and a limit, e.g. untrained network on random inputs, gradient size is not memory (training must still find it), the bias-3 growth came through the paths via $h$ and $U$ (it can explode), averages over 5 seeds hide the spread, trained gates are input-dependent.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_forget_gate", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Model answer.** The forget gate decides, for every unit and step, how much of the old cell state is kept: $c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$, so $f_t \approx 1$ keeps the memory and $f_t \approx 0$ erases it. Backwards it plays the same role for the error signal: $\delta c_{t-1} = \delta c \odot f_t$ is the only factor on the cell path (no weight matrix, no $\tanh'$), so the gradient reaching $c_0$ from $c_T$ along that path is $\prod_t f_t$, exactly the whole derivative when the gates ignore $h$ ($U = 0$, checked in Part 3), whereas a vanilla RNN multiplies by $\mathrm{diag}(1-h_t^2)U^\top$ at every step. The plot measured this at initialisation: with forget bias 1 ($f \approx 0.73$) the cell-path product fell like $0.73^k$ and the gradient reaching early inputs still vanished (about eight orders of magnitude over 100 steps, against eleven for the RNN), while with forget bias 3 ($f \approx 0.95$) the gradient at lag 99 was larger than at lag 0: one number in the forget gate decides whether the carousel turns. It does not show that a trained LSTM remembers longer: it is an untrained network on random inputs, a large gradient only makes long dependencies learnable (and the bias-3 curve grew through the paths via $h$ and $U$, so it can also explode), and during training the gates become input-dependent.

# %% [markdown]
# ## Key takeaways
#
# - The LSTM backward pass is four small steps: through $h_t = o_t\tanh(c_t)$ (adding the gradient from $c_{t+1}$), through $c_t = f_t c_{t-1} + i_t \tilde c_t$, through the gate activations ($\sigma' = \sigma(1-\sigma)$, $\tanh' = 1-\tanh^2$), and through the one packed matrix product.
# - Over a sequence, walk backwards, carry **both** $dh$ and $dc$ to the previous step, and **sum** the parameter gradients over time.
# - A centred-difference gradient check in float64 catches every mistake above: relative errors around $10^{-8}$ or below mean right. Check every output, not just one.
# - Along the cell state the gradient is multiplied by $f_t$ only: $\partial c_T/\partial c_0 = \prod_t f_t$ on that path, exact when the gates and the candidate ignore $h$ ($U_i = U_f = U_c = 0$). This constant error carousel is why LSTMs *can* learn long lags; how well they do depends on the forget gates (and their bias at initialisation).
#
# ## What's next
#
# Lesson 05 leaves NumPy for `keras.layers.LSTM`: shapes, parameters, windows of a time series, and recursive forecasts, now that you know exactly what is inside the layer and how its gradients flow.
