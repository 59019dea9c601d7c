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


# %%
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
# Implement `lstm_step_backward(dh_t, dc_t, cache)` from the four steps above. Return the gradients **in the order of the forward's inputs**: `(dx_t, dh_prev, dc_prev, dW, dU, db)`, packed gradients in the order i, f, c, o. (The course's version is `helpers.lstm.lstm_step_backward`.)


# %% nbgrader={"grade": false, "grade_id": "ex1_lstm_step_backward", "locked": false, "schema_version": 3, "solution": true}
def lstm_step_backward(dh_t, dc_t, cache):
    """Backward pass of one LSTM step.

    Args:
        dh_t: gradient of the loss w.r.t. h_t, shape (N, H).
        dc_t: gradient of the loss w.r.t. c_t coming from step t + 1, shape (N, H).
        cache: dict from helpers.lstm.lstm_step_forward (keys x_t, h_prev, c_prev, W, U, i, f, g, o, tanh_c).

    Returns:
        (dx_t, dh_prev, dc_prev, dW, dU, db) with shapes (N, D), (N, H), (N, H), (D, 4H), (H, 4H), (4H,);
        packed gradients in the order i, f, c, o.
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

# %%
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
analytic = lstm_step_backward(dh_up, dc_up, step_cache)
numeric = numerical_gradients(step_loss, step_args)
for name, a_, n_ in zip(["dx_t", "dh_prev", "dc_prev", "dW", "dU", "db"], analytic, numeric):
    print(f"{name:8s} relative error {rel_error(a_, n_):.2e}")

# %% nbgrader={"grade": true, "grade_id": "test_ex1_lstm_step_backward_states", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check dx_t, dh_prev and dc_prev of lstm_step_backward against numerical gradients (float64, < 1e-6)."""
import helpers.lstm

g = np.random.default_rng(1)
N, D, H = 2, 3, 4
args = [
    g.normal(size=(N, D)),
    g.normal(size=(N, H)),
    g.normal(size=(N, H)),
    g.normal(size=(D, 4 * H)) * 0.5,
    g.normal(size=(H, 4 * H)) * 0.5,
    g.normal(size=4 * H) * 0.5,
]
dh_t, dc_t = g.normal(size=(N, H)), g.normal(size=(N, H))


def loss(x_t, h_prev, c_prev, W, U, b):
    h_t, c_t, _ = helpers.lstm.lstm_step_forward(x_t, h_prev, c_prev, W, U, b)
    return np.sum(h_t * dh_t) + np.sum(c_t * dc_t)


_, _, cache = helpers.lstm.lstm_step_forward(*args)
grads = lstm_step_backward(dh_t, dc_t, cache)
num = [eval_numerical_gradient(lambda _: loss(*args), a_) for a_ in args]  # centred differences
hints = {
    "dx_t": "dx_t = da @ W.T, with da the gradient of all four pre-activations",
    "dh_prev": "dh_prev = da @ U.T",
    "dc_prev": "dc_prev = dc * f, where dc already includes the path through h_t (tanh'(c_t)) and dc_t",
}
for k, name in enumerate(["dx_t", "dh_prev", "dc_prev"]):
    assert np.shape(grads[k]) == np.shape(args[k]), (
        f"{name} should have shape {np.shape(args[k])}, got {np.shape(grads[k])}"
    )
    err = rel_error(grads[k], num[k])
    assert err < 1e-6, f"{name} is wrong (relative error {err:.1e}): {hints[name]}"
### BEGIN HIDDEN TESTS
gh = np.random.default_rng(101)
for n_, d_, u_ in [(1, 2, 3), (4, 5, 5)]:  # batch of 1; square blocks D = H
    xs, hs, cs = gh.normal(size=(n_, d_)), gh.normal(size=(n_, u_)), gh.normal(size=(n_, u_))
    Ws, Us, bs = gh.normal(size=(d_, 4 * u_)), gh.normal(size=(u_, 4 * u_)), gh.normal(size=4 * u_)
    dhs, dcs = gh.normal(size=(n_, u_)), gh.normal(size=(n_, u_))
    _, _, cache_s = helpers.lstm.lstm_step_forward(xs, hs, cs, Ws, Us, bs)
    want = helpers.lstm.lstm_step_backward(dhs, dcs, cache_s)
    got = lstm_step_backward(dhs, dcs, cache_s)
    for k in range(3):
        np.testing.assert_allclose(
            got[k], want[k], atol=1e-10, err_msg=f"output {k} differs for N, D, H = {n_, d_, u_}"
        )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ex1_lstm_step_backward_params", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check dW, dU and db of lstm_step_backward against numerical gradients (float64, < 1e-6)."""
import helpers.lstm

g = np.random.default_rng(2)
N, D, H = 3, 2, 3
args = [
    g.normal(size=(N, D)),
    g.normal(size=(N, H)),
    g.normal(size=(N, H)),
    g.normal(size=(D, 4 * H)) * 0.5,
    g.normal(size=(H, 4 * H)) * 0.5,
    g.normal(size=4 * H) * 0.5,
]
dh_t, dc_t = g.normal(size=(N, H)), g.normal(size=(N, H))


def loss(x_t, h_prev, c_prev, W, U, b):  # noqa: F811 - each test cell defines its own loss
    h_t, c_t, _ = helpers.lstm.lstm_step_forward(x_t, h_prev, c_prev, W, U, b)
    return np.sum(h_t * dh_t) + np.sum(c_t * dc_t)


_, _, cache = helpers.lstm.lstm_step_forward(*args)
grads = lstm_step_backward(dh_t, dc_t, cache)
num = [eval_numerical_gradient(lambda _: loss(*args), a_) for a_ in args]  # centred differences
hints = {
    "dW": "dW = x_t.T @ da",
    "dU": "dU = h_prev.T @ da (the recurrent weights multiply h_prev, not x_t)",
    "db": "db = da summed over the batch",
}
for k, name in zip([3, 4, 5], ["dW", "dU", "db"]):
    assert np.shape(grads[k]) == np.shape(args[k]), (
        f"{name} should have shape {np.shape(args[k])}, got {np.shape(grads[k])}"
    )
    err = rel_error(grads[k], num[k])
    assert err < 1e-6, (
        f"{name} is wrong (relative error {err:.1e}): {hints[name]}; if all three are wrong, "
        "check the gate derivatives sigmoid' = s * (1 - s), tanh' = 1 - g**2"
    )
### BEGIN HIDDEN TESTS
gp = np.random.default_rng(202)
for n_, d_, u_ in [(1, 3, 2), (2, 4, 4)]:  # batch of 1; D = H so that x_t and h_prev have the same shape
    xs, hs, cs = gp.normal(size=(n_, d_)), gp.normal(size=(n_, u_)), gp.normal(size=(n_, u_))
    Ws, Us, bs = gp.normal(size=(d_, 4 * u_)), gp.normal(size=(u_, 4 * u_)), gp.normal(size=4 * u_)
    dhs, dcs = gp.normal(size=(n_, u_)), gp.normal(size=(n_, u_))
    _, _, cache_p = helpers.lstm.lstm_step_forward(xs, hs, cs, Ws, Us, bs)
    want = helpers.lstm.lstm_step_backward(dhs, dcs, cache_p)
    got = lstm_step_backward(dhs, dcs, cache_p)
    for k in range(3, 6):
        np.testing.assert_allclose(
            got[k], want[k], atol=1e-10, err_msg=f"output {k} differs for N, D, H = {n_, d_, u_}"
        )
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
# Implement `lstm_backward(dh, cache)` with your `lstm_step_backward`; `cache` is the list of step caches returned by `helpers.lstm.lstm_forward`. (The course's version is `helpers.lstm.lstm_backward`; it also takes an optional gradient for the last cell state.)


# %% nbgrader={"grade": false, "grade_id": "ex2_lstm_backward", "locked": false, "schema_version": 3, "solution": true}
def lstm_backward(dh, cache):
    """Backpropagation through time for helpers.lstm.lstm_forward.

    Args:
        dh: gradient of the loss w.r.t. every hidden state, shape (N, T, H).
        cache: list of T step caches from helpers.lstm.lstm_forward.

    Returns:
        (dx, dh0, dc0, dW, dU, db) with shapes (N, T, D), (N, H), (N, H), (D, 4H), (H, 4H), (4H,);
        dW, dU, db summed over the T steps.
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


# %%
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
analytic = lstm_backward(dh_seq, seq_cache)
numeric = numerical_gradients(seq_loss, seq_args)
for name, a_, n_ in zip(["dx", "dh0", "dc0", "dW", "dU", "db"], analytic, numeric):
    print(f"{name:4s} relative error {rel_error(a_, n_):.2e}")

# %% nbgrader={"grade": true, "grade_id": "test_ex2_lstm_backward_inputs", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check dx, dh0 and dc0 of lstm_backward against numerical gradients (float64, < 1e-6)."""
import helpers.lstm
from helpers import grading

# Graded on its own: the reference step stands in for your lstm_step_backward (a mistake there costs Exercise 1 only).
backward = grading.exercise(2, "lstm_backward").alone(lstm_backward, lstm_step_backward=helpers.lstm.lstm_step_backward)
import helpers.lstm

g = np.random.default_rng(4)
N, T, D, H = 2, 4, 3, 4
args = [
    g.normal(size=(N, T, D)),
    g.normal(size=(N, H)),
    g.normal(size=(N, H)),
    g.normal(size=(D, 4 * H)) * 0.5,
    g.normal(size=(H, 4 * H)) * 0.5,
    g.normal(size=4 * H) * 0.5,
]
dh = g.normal(size=(N, T, H))


def loss(x, h0, c0, W, U, b):  # noqa: F811 - each test cell defines its own loss
    h, _, _ = helpers.lstm.lstm_forward(x, h0, c0, W, U, b)
    return np.sum(h * dh)


_, _, cache = helpers.lstm.lstm_forward(*args)
grads = backward(dh, cache)
num = [eval_numerical_gradient(lambda _: loss(*args), a_) for a_ in args]  # centred differences
for k, name in enumerate(["dx", "dh0", "dc0"]):
    assert np.shape(grads[k]) == np.shape(args[k]), (
        f"{name} should have shape {np.shape(args[k])}, got {np.shape(grads[k])}"
    )
    err = rel_error(grads[k], num[k])
    assert err < 1e-6, (
        f"{name} is wrong (relative error {err:.1e}): walk the steps backwards and pass BOTH "
        "dh_prev (added to dh[:, t-1]) and dc_prev on to the previous step"
    )
### BEGIN HIDDEN TESTS
gi = np.random.default_rng(303)
for n_, t_, d_, u_ in [(1, 1, 2, 3), (3, 6, 4, 4)]:  # T = 1 and N = 1; square blocks
    xs = gi.normal(size=(n_, t_, d_))
    h0s, c0s = gi.normal(size=(n_, u_)), gi.normal(size=(n_, u_))
    Ws, Us, bs = gi.normal(size=(d_, 4 * u_)), gi.normal(size=(u_, 4 * u_)), gi.normal(size=4 * u_)
    dhs = gi.normal(size=(n_, t_, u_))
    _, _, cache_s = helpers.lstm.lstm_forward(xs, h0s, c0s, Ws, Us, bs)
    want = helpers.lstm.lstm_backward(dhs, cache_s)
    got = backward(dhs, cache_s)
    for k in range(3):
        np.testing.assert_allclose(
            got[k], want[k], atol=1e-10, err_msg=f"output {k} differs for N, T, D, H = {n_, t_, d_, u_}"
        )
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ex2_lstm_backward_params", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Check dW, dU and db of lstm_backward against numerical gradients (float64, < 1e-6): summed over time."""
import helpers.lstm
from helpers import grading

# Graded on its own: the reference step stands in for your lstm_step_backward (a mistake there costs Exercise 1 only).
backward = grading.exercise(2, "lstm_backward").alone(lstm_backward, lstm_step_backward=helpers.lstm.lstm_step_backward)
import helpers.lstm

g = np.random.default_rng(5)
N, T, D, H = 3, 5, 2, 3
args = [
    g.normal(size=(N, T, D)),
    g.normal(size=(N, H)),
    g.normal(size=(N, H)),
    g.normal(size=(D, 4 * H)) * 0.5,
    g.normal(size=(H, 4 * H)) * 0.5,
    g.normal(size=4 * H) * 0.5,
]
dh = g.normal(size=(N, T, H))


def loss(x, h0, c0, W, U, b):  # noqa: F811 - each test cell defines its own loss
    h, _, _ = helpers.lstm.lstm_forward(x, h0, c0, W, U, b)
    return np.sum(h * dh)


_, _, cache = helpers.lstm.lstm_forward(*args)
grads = backward(dh, cache)
num = [eval_numerical_gradient(lambda _: loss(*args), a_) for a_ in args]  # centred differences
for k, name in zip([3, 4, 5], ["dW", "dU", "db"]):
    assert np.shape(grads[k]) == np.shape(args[k]), (
        f"{name} should have shape {np.shape(args[k])}, got {np.shape(grads[k])}"
    )
    err = rel_error(grads[k], num[k])
    assert err < 1e-6, (
        f"{name} is wrong (relative error {err:.1e}): the same weights are used at every step, "
        "so add up the contributions of all T steps"
    )
### BEGIN HIDDEN TESTS
gq = np.random.default_rng(404)
for n_, t_, d_, u_ in [(1, 1, 3, 2), (2, 8, 3, 3)]:
    xs = gq.normal(size=(n_, t_, d_))
    h0s, c0s = gq.normal(size=(n_, u_)), gq.normal(size=(n_, u_))
    Ws, Us, bs = gq.normal(size=(d_, 4 * u_)), gq.normal(size=(u_, 4 * u_)), gq.normal(size=4 * u_)
    dhs = gq.normal(size=(n_, t_, u_))
    _, _, cache_p = helpers.lstm.lstm_forward(xs, h0s, c0s, Ws, Us, bs)
    want = helpers.lstm.lstm_backward(dhs, cache_p)
    got = backward(dhs, cache_p)
    for k in range(3, 6):
        np.testing.assert_allclose(
            got[k], want[k], atol=1e-10, err_msg=f"output {k} differs for N, T, D, H = {n_, t_, d_, u_}"
        )
### END HIDDEN TESTS

# %% [markdown]
# ## Part 3 — The constant error carousel
#
# Look again at step 2 of the derivation: $\delta c_{t-1} = \delta c \odot f_t$. Along the cell state, going back one step only **multiplies by the forget gate**: no weight matrix, no $\tanh'$. Following this path from $c_T$ back to $c_0$,
# $$ \frac{\partial c_T}{\partial c_0}\Big|_{\text{cell path}} = \mathrm{diag}\Big(\prod_{t=1}^{T} f_t\Big). $$
# Compare the vanilla RNN of lesson 02, where every step multiplies by $\mathrm{diag}(1-h_t^2)\,U^\top$: with $\|U\| < 1$ or saturated units this shrinks geometrically whatever the data. Along the cell path the factor per step is $f_t$, which the network *learns*; with $f_t = 1$ the error flows back unchanged for ever: Hochreiter and Schmidhuber's "constant error carousel" (their 1997 LSTM had no forget gate at all, i.e. $f_t \equiv 1$).
#
# **When is the formula exact?** $c_T$ also depends on $c_0$ through other paths: $c_0 \to h_1 = o_1 \tanh(c_1) \to$ the gates of step 2 (via $U$) $\to c_2 \dots$. The full derivative is the cell path *plus* all those paths through $h$. They vanish when the gates do not depend on the previous output, i.e. $U = 0$ for the gate blocks; then the product of forget gates is the whole story. The next cell checks this with **your** `lstm_backward`: with $U = 0$ and the loss $L = \sum h_T \odot \delta h_T$, the gradient reaching $c_T$ is $\delta c_T = \delta h_T \odot o_T \odot (1 - \tanh^2 c_T)$, and $dc_0$ must be exactly $\delta c_T \odot \prod_t f_t$.

# %%
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


# %%
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

# %% [markdown]
# **Written question (2 points).** "Why do LSTMs do better on long sequences?" Answer in three to five sentences using *this* lesson: the derivative along the cell path, what the plot measured, and one thing the plot does not prove.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_long_sequences", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# **Model answer.** Backpropagating along the cell state only multiplies the gradient by the forget gate at each step, $\partial c_T/\partial c_0 = \prod_t f_t$ along the cell path (exact when the gates do not depend on $h$, e.g. $U = 0$), with no recurrent weight matrix and no $\tanh'$ factor, so when $f_t \approx 1$ the error signal reaches inputs many steps back almost unchanged; in a vanilla RNN every step multiplies by $\mathrm{diag}(1-h_t^2)U^\top$, which shrinks geometrically. The plot measured this at initialisation: the RNN's gradient norm fell by many orders of magnitude over 100 steps, an LSTM with forget bias 1 also vanished (f ≈ 0.73), and with forget bias 3 (f ≈ 0.95) the gradient at lag 99 was even larger than at lag 0. It does not prove that a trained LSTM remembers longer: it is an untrained network on random inputs, a large gradient only makes learning long dependencies *possible* (and can explode), and the gates change during training; that needs a task with a known lag (lesson 06). Grading: 1 point for the $\prod f_t$ / no-matrix cell path versus the RNN's Jacobian product; 1 point for an honest limit of the plot (untrained, random inputs, gradient size ≠ memory, depends on the forget bias).

# %% [markdown]
# ## Key takeaways
#
# - The LSTM backward pass is four small steps: through $h_t = o_t\tanh(c_t)$ (adding the gradient from $c_{t+1}$), through $c_t = f_t c_{t-1} + i_t \tilde c_t$, through the gate activations ($\sigma' = \sigma(1-\sigma)$, $\tanh' = 1-\tanh^2$), and through the one packed matrix product.
# - Over a sequence, walk backwards, carry **both** $dh$ and $dc$ to the previous step, and **sum** the parameter gradients over time.
# - A centred-difference gradient check in float64 catches every mistake above: relative errors around $10^{-8}$ or below mean right. Check every output, not just one.
# - Along the cell state the gradient is multiplied by $f_t$ only: $\partial c_T/\partial c_0 = \prod_t f_t$ on that path, exact when the gates ignore $h$. This constant error carousel is why LSTMs *can* learn long lags; how well they do depends on the forget gates (and their bias at initialisation).
#
# ## What's next
#
# Lesson 05 leaves NumPy for `keras.layers.LSTM`: shapes, parameters, windows of a time series, and recursive forecasts, now that you know exactly what is inside the layer and how its gradients flow.
