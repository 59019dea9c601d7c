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
# # Lesson 02 — Vanishing and exploding gradients
#
# **What you will learn**
#
# - how **backpropagation through time** (BPTT) trains the RNN of lesson 01, and why the gradient that reaches a step
#   $k$ steps back is a **product of $k$ Jacobians** $\operatorname{diag}(1 - h_t^2)\,U$;
# - to **measure** how that product shrinks or grows with the lag, and to predict it from the **spectral radius** of $U$
#   (and where that prediction is only a heuristic);
# - why saturated $\tanh$ units make gradients vanish even when $U$ is large;
# - how **gradient clipping by global norm** keeps an exploding gradient from wrecking training — and why it does
#   nothing against vanishing.
#
# **Why it matters.** A recurrent network learns a dependency between two steps only if the gradient survives the trip
# between them. "The movie I watched last year, despite the hype and the great cast, was **not** good": to get the
# sentiment right, the network must connect words that are many steps apart. This lesson shows, with numbers, why a
# vanilla RNN mostly can't — the problem the LSTM (lessons 03–06) was invented to solve.

# %%
import matplotlib.pyplot as plt
import numpy as np

from helpers.data import make_windows
from helpers.env import seed_everything
from helpers.gradcheck import eval_numerical_gradient_array, rel_error
from helpers.plotting import use_course_style
from helpers.rnn import hidden_jacobian_norms, rnn_backward, rnn_forward, spectral_radius

rng = seed_everything(0)
use_course_style()
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Backpropagation through time
#
# Lesson 01's RNN computes $h_t = \tanh(W x_t + U h_{t-1} + b)$ for $t = 0, \dots, T-1$. Suppose the loss $L$ looks only
# at the last state $h_{T-1}$ (a sentiment classifier reading the whole review, a forecaster reading the whole window).
# Unrolled, the RNN is a deep network with one layer per step, so the chain rule gives, for any earlier step $k$,
#
# $$\frac{\partial L}{\partial h_k} = \frac{\partial L}{\partial h_{T-1}}\;
# \frac{\partial h_{T-1}}{\partial h_{T-2}}\,\frac{\partial h_{T-2}}{\partial h_{T-3}} \cdots
# \frac{\partial h_{k+1}}{\partial h_{k}}
# \qquad\text{with}\qquad
# \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}\!\left(1 - h_t^2\right) U
# \quad (H \times H).$$
#
# ($\tanh'(z) = 1 - \tanh(z)^2$, so the derivative of unit $i$ is $1 - h_{t,i}^2$; the diagonal matrix applies it unit by
# unit.) The weights are shared, so their gradient is a **sum over steps**:
# $\frac{\partial L}{\partial U} = \sum_t \frac{\partial L}{\partial h_t}\,\frac{\partial^+ h_t}{\partial U}$, and the
# contribution of step $k$ is scaled by the product of the $T - 1 - k$ Jacobians above. If that product is tiny, the
# distant past contributes nothing to learning: **vanishing gradients**. If it is huge, it dominates and the update is
# wild: **exploding gradients**.
#
# **Transposes in code.** The formula uses column vectors and the maths' $U$. In code (batch-first, row vectors, Keras'
# layout) `U` is the maths' $U$ transposed, so the Jacobian entry $[i, j] = \partial h_{t,i} / \partial h_{t-1,j}$ is
#
# $$J_t = \operatorname{diag}(1 - h_t^2)\; U_{\text{code}}^{\top} \qquad \text{(in NumPy: `(1 - h_t**2)[:, None] * U.T`)},$$
#
# and a row gradient travels back as `dh_prev = (dh_t * (1 - h_t**2)) @ U.T` — exactly the line in
# `helpers.rnn.rnn_step_backward`. Before we trust it, a **gradient check**: compare the backward pass with centred finite
# differences $\frac{f(x + \epsilon) - f(x - \epsilon)}{2\epsilon}$ in float64. Relative errors around $10^{-7}$ or below
# mean the analytic gradient is right.

# %% tags=["demo"]
N_c, T_c, D_c, H_c = 2, 4, 3, 5
x_c = rng.normal(size=(N_c, T_c, D_c))
h0_c = rng.normal(size=(N_c, H_c))
W_c = rng.normal(scale=0.5, size=(D_c, H_c))
U_c = rng.normal(scale=0.5, size=(H_c, H_c))
b_c = rng.normal(scale=0.5, size=H_c)

h_c, cache_c = rnn_forward(x_c, h0_c, W_c, U_c, b_c)
dh_c = rng.normal(size=h_c.shape)  # an upstream gradient on every state
dx, dh0, dW, dU, db = rnn_backward(dh_c, cache_c)

params = {"x": x_c, "h0": h0_c, "W": W_c, "U": U_c, "b": b_c}
for (name, value), analytic in zip(params.items(), (dx, dh0, dW, dU, db)):

    def forward_of(v, name=name):
        args = dict(params, **{name: v})
        return rnn_forward(args["x"], args["h0"], args["W"], args["U"], args["b"])[0]

    numeric = eval_numerical_gradient_array(forward_of, value.copy(), dh_c)
    print(f"d{name:<3} relative error {rel_error(analytic, numeric):.2e}")

# %% [markdown]
# ## 2. A product of Jacobians
#
# How large can $\prod_t J_t$ get? Each $\tanh$ derivative is at most 1, so every step can shrink a gradient but never
# stretch it by more than $U$ does:
#
# $$\Big\lVert \frac{\partial h_{T-1}}{\partial h_k} \Big\rVert \;\le\; \prod_{t=k+1}^{T-1}
# \big\lVert \operatorname{diag}(1 - h_t^2) \big\rVert\, \lVert U \rVert \;\le\; \sigma_{\max}(U)^{\,T-1-k},$$
#
# where $\sigma_{\max}$ is the largest singular value (the spectral norm). So $\sigma_{\max}(U) < 1$ **guarantees**
# vanishing, geometrically fast (Pascanu, Mikolov & Bengio, 2013).
#
# For long lags the more telling number is the **spectral radius** $\rho(U) = \max_i |\lambda_i(U)|$, the largest
# eigenvalue modulus. For a *linear* RNN ($h_t = U h_{t-1} + \dots$) the product is $U^{\,\text{lag}}$, and its norm grows
# or shrinks like $\rho(U)^{\text{lag}}$: $\rho < 1$ vanish, $\rho > 1$ explode, $\rho = 1$ the knife edge. With $\tanh$:
#
# - $\rho < 1$: vanishing. It is guaranteed when $\sigma_{\max}(U) < 1$ too — always the case for a symmetric $U$ or an
#   orthogonal one times a constant, where $\rho = \sigma_{\max}$. A non-normal $U$ with $\rho < 1 < \sigma_{\max}$ can
#   *amplify* gradients for some steps first, and with $\tanh$ factors that change from step to step the decay is then
#   the typical outcome rather than a theorem;
# - $\rho > 1$: the linear part grows, so gradients **may** explode — but the states grow too, the units **saturate**
#   ($|h| \to 1$, so $1 - h^2 \to 0$) and the $\operatorname{diag}$ factors can make the gradients vanish after all.
#
# Let us measure. We run RNNs with $H = 32$ units, $U = \rho\, Q$ for a random orthogonal $Q$ (so every eigenvalue of $U$
# has modulus exactly $\rho$, and $\sigma_{\max} = \rho$), on the same random input of 100 steps, and plot
# $\lVert \partial h_{T-1} / \partial h_{T-1-\text{lag}} \rVert_2$ against the lag (computed by
# `helpers.rnn.hidden_jacobian_norms`). Small input weights keep the units in $\tanh$'s near-linear range; the last run
# uses 30 times larger inputs to saturate them.

# %% tags=["demo"]
H_exp, T_exp, D_exp = 32, 100, 4
Q, _ = np.linalg.qr(rng.normal(size=(H_exp, H_exp)))  # random orthogonal matrix
x_exp = rng.normal(size=(1, T_exp, D_exp))
W_exp = rng.normal(size=(D_exp, H_exp)) / np.sqrt(D_exp)

settings = {  # label: (spectral radius of U, input scale)
    "rho = 0.5": (0.5, 0.1),
    "rho = 0.9": (0.9, 0.1),
    "rho = 1.0": (1.0, 0.1),
    "rho = 1.5": (1.5, 0.1),
    "rho = 1.5, saturated": (1.5, 3.0),
}
jac_norms, saturation = {}, {}
for label, (rho, in_scale) in settings.items():
    U_exp = rho * Q
    h_exp, _ = rnn_forward(x_exp, np.zeros((1, H_exp)), in_scale * W_exp, U_exp, np.zeros(H_exp))
    jac_norms[label] = hidden_jacobian_norms(h_exp[0], U_exp)
    saturation[label] = np.mean(1 - h_exp[0] ** 2)
    print(
        f"{label:<22} spectral radius {spectral_radius(U_exp):.2f}   mean tanh' = mean(1 - h^2) = {saturation[label]:.2f}"
    )

lags = np.arange(T_exp)
fig, ax = plt.subplots(figsize=(9, 5))
for i, (label, norms) in enumerate(jac_norms.items()):
    ax.semilogy(lags, norms, color=f"C{i}", label=label)
    rho = settings[label][0]
    if "saturated" not in label:
        ax.semilogy(lags, rho**lags, ":", color=f"C{i}", alpha=0.7)
ax.set_ylim(1e-20, 1e8)
ax.set(
    title="Gradient surviving from the last step back to step T-1-lag\n(dotted: linear RNN, rho^lag)",
    xlabel="lag (steps)",
    ylabel="||dh_{T-1} / dh_{T-1-lag}||  (log scale)",
)
ax.legend(loc="lower left")
plt.show()


# %% [markdown]
# What the plot shows:
#
# - **$\rho = 0.5$ and $0.9$**: straight lines on the log scale — geometric vanishing, at the rate of the dotted
#   $\rho^{\text{lag}}$ lines (slightly faster, because $\tanh' < 1$). With $\rho = 0.9$, 20 steps keep roughly a tenth;
#   50 steps keep about a thousandth.
# - **$\rho = 1.0$**: the linear RNN would keep everything; the $\tanh$ factors still bleed the gradient away, slowly.
# - **$\rho = 1.5$**: the gradient **grows** with the lag — exploding — but far slower than $1.5^{\text{lag}}$: the
#   states have grown and partly saturated.
# - **$\rho = 1.5$, saturated**: the same $U$, larger inputs. The units sit near $\pm 1$, $\tanh' \approx 0$, and the
#   gradient **vanishes** despite $\rho > 1$.
#
# So the spectral radius predicts the *linear* behaviour: below 1 vanishing is certain (for this $U$), above 1 explosion is
# possible, not certain. Either way, a vanilla RNN's gradient is a geometric function of the lag: stable, long-range
# learning would need the product to stay close to 1 for every lag — the LSTM's additive cell state does exactly that.

# %% [markdown]
# ## Exercise 1 — the Jacobian product (3 points)
#
# Implement `jacobian_product(h, U, k)` for **one** sequence: given its hidden states `h` of shape (T, H) (`h[t]` is
# $h_t$, $t = 0, \dots, T-1$) and the recurrent weights `U` (H, H) in code layout, return the (H, H) matrix
#
# $$\frac{\partial h_{T-1}}{\partial h_k} = J_{T-1}\, J_{T-2} \cdots J_{k+1}, \qquad J_t = \operatorname{diag}(1 - h_t^2)\; U^{\top},$$
#
# (the identity matrix when $k = T - 1$). Mind three things: the $\operatorname{diag}(1 - h_t^2)$ factor, the transpose
# of the code's `U`, and the **order** of the product (matrices do not commute). Do not build `np.diag` matrices if you
# can avoid it: `(1 - h_t**2)[:, None] * U.T` scales the rows. The reference is `helpers.rnn.jacobian_product`.
#
# **What is graded.** `h` and `U` are float64 NumPy arrays and `k` is a Python `int` with $0 \le k \le T - 1$. Return
# a NumPy array of shape (H, H). The tests include $k = T - 1$ (no step in between: the identity `np.eye(H)`), a single
# step $T = 1$ (then $k = 0$ and the answer is the identity too), a single unit $H = 1$, and random sequences up to
# $T = 15$ against the reference. Every entry must be within an absolute tolerance of $10^{-6}$ times the largest
# absolute entry of the exact product, so any order of evaluation in float64 (a loop either way, `np.diag`, `einsum`,
# `functools.reduce`) passes. The tests give your function copies, so whether it modifies its inputs is not graded.


# %% nbgrader={"grade": false, "grade_id": "ex1_jacobian_product", "locked": false, "schema_version": 3, "solution": true}
def jacobian_product(h, U, k):
    """d h_{T-1} / d h_k of a vanilla RNN for one sequence.

    Args:
        h: hidden states h_0, ..., h_{T-1} of one sequence, float array of shape (T, H), T >= 1.
        U: recurrent weights (code layout, h_prev @ U), float array of shape (H, H).
        k: the earlier step, an int with 0 <= k <= T - 1.

    Returns:
        The Jacobian product J_{T-1} ... J_{k+1} as an array of shape (H, H) (the identity when k = T - 1);
        entry [i, j] is d h_{T-1, i} / d h_{k, j}. Graded to an absolute 1e-6 times its largest |entry|.
    """
    ### BEGIN SOLUTION
    n_steps, n_hidden = h.shape
    product = np.eye(n_hidden)
    for t in range(n_steps - 1, k, -1):
        step_jacobian = (1.0 - h[t] ** 2)[:, None] * U.T  # diag(1 - h_t^2) @ U.T
        product = product @ step_jacobian
    return product
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex1_jacobian_product", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""jacobian_product: identity at k = T - 1, one step, two steps in the right order, T = 1, H = 1, a longer sequence."""
import numpy as np

import helpers.rnn
from helpers import grading

ex = grading.exercise(1, "jacobian_product")


def chain(h, U, k, J, first=None, latest_first=True):
    # J_{T-1} ... J_{first} (first = k + 1 unless told), or the reverse order; J(h, U, t) is one step's Jacobian.
    product = np.eye(U.shape[0])
    for t in range(h.shape[0] - 1, (k + 1 if first is None else first) - 1, -1):
        product = product @ J(h, U, t) if latest_first else J(h, U, t) @ product
    return product


def right_J(h, U, t):
    return (1.0 - h[t] ** 2)[:, None] * U.T


MISTAKES = {  # what each known mistake returns, to name it in the message
    "the tanh factor diag(1 - h_t**2) looks missing: J_t = diag(1 - h_t**2) @ U.T, not U.T alone": (
        lambda h, U, k: chain(h, U, k, lambda h, U, t: U.T)
    ),
    "U looks untransposed: in code layout J_t = diag(1 - h_t**2) @ U.T (the code's U is the maths' U transposed)": (
        lambda h, U, k: chain(h, U, k, lambda h, U, t: (1.0 - h[t] ** 2)[:, None] * U)
    ),
    "the tanh factor scales the columns (U.T @ diag(1 - h_t**2)); it must scale the rows: diag(1 - h_t**2) @ U.T": (
        lambda h, U, k: chain(h, U, k, lambda h, U, t: U.T * (1.0 - h[t] ** 2)[None, :])
    ),
    "the tanh factor uses h_{t-1}: J_t = dh_t / dh_{t-1} = diag(1 - h_t**2) @ U.T uses the NEW state h_t": (
        lambda h, U, k: chain(h, U, k, lambda h, U, t: (1.0 - h[t - 1] ** 2)[:, None] * U.T)
    ),
    "the product is in the wrong order: the latest step goes on the LEFT, J_{T-1} @ ... @ J_{k+1}": (
        lambda h, U, k: chain(h, U, k, right_J, latest_first=False)
    ),
    "one step too many: the product is J_{T-1} ... J_{k+1}; J_k is not in it (k = T - 1 gives the identity)": (
        lambda h, U, k: chain(h, U, k, right_J, first=k)
    ),
    "one step too few: the product is J_{T-1} ... J_{k+1}, down to and including J_{k+1}": (
        lambda h, U, k: chain(h, U, k, right_J, first=k + 2)
    ),
}


def check(h, U, k, want, what):
    h, U = np.array(h, dtype=float), np.array(U, dtype=float)
    got = jacobian_product(h.copy(), U.copy(), k)
    tol = 1e-6 * np.max(np.abs(want))
    hint = "compare with J_{T-1} @ J_{T-2} @ ... @ J_{k+1}, J_t = diag(1 - h_t**2) @ U.T (identity when k = T - 1)"
    try:
        got_values = grading.plain(got, numeric=True)
    except TypeError:
        got_values = None
    for mistake, wrong in MISTAKES.items():  # name the mistake whose result this is, if any
        w = wrong(h, U, k)
        if got_values is not None and got_values.shape == w.shape and np.allclose(got_values, w, rtol=0, atol=tol):
            hint = mistake
            break
    ex.close(got, want, what, atol=tol, hint=hint)


h_small = [[0.1, -0.2], [0.5, 0.3], [-0.4, 0.6]]  # T = 3, H = 2
U_small = [[0.9, -0.5], [0.3, 1.2]]
check(h_small, U_small, 2, np.eye(2), "k = T - 1 = 2 (no step in between: the identity)")
check(h_small, U_small, 1, [[0.756, 0.252], [-0.32, 0.768]], "one step back, k = 1: diag(1 - h_2**2) @ U.T")
check(h_small, U_small, 0, [[0.39564, 0.445284], [-0.56544, 0.766656]], "two steps back, k = 0: J_2 @ J_1")
check([[0.3, -0.7]], U_small, 0, np.eye(2), "a single step, T = 1, k = 0 (the identity)")
check([[0.5], [0.2], [-0.1]], [[2.0]], 0, [[3.8016]], "one unit, H = 1: (1 - 0.1**2) * 2 * (1 - 0.2**2) * 2")
g = np.random.default_rng(11)
U_long = g.normal(size=(3, 3))
h_long = helpers.rnn.rnn_forward(g.normal(size=(1, 8, 2)), np.zeros((1, 3)), g.normal(size=(2, 3)), U_long, np.zeros(3))
h_long = h_long[0][0]
for k in (0, 4):
    check(h_long, U_long, k, helpers.rnn.jacobian_product(h_long, U_long, k), f"T = 8, H = 3, k = {k}")
### BEGIN HIDDEN TESTS
g = np.random.default_rng(12)
for T_, H_ in [(10, 5), (1, 3), (6, 1), (15, 4)]:
    U_ = g.normal(size=(H_, H_))
    hs = helpers.rnn.rnn_forward(g.normal(size=(1, T_, 2)), np.zeros((1, H_)), g.normal(size=(2, H_)), U_, np.zeros(H_))
    hs = hs[0][0]
    for k in sorted({0, T_ // 2, T_ - 1}):
        check(hs, U_, k, helpers.rnn.jacobian_product(hs, U_, k), f"T = {T_}, H = {H_}, k = {k}")
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 2 — predict the regime from the spectral radius (1 point)
#
# Implement `gradient_regime(U, tol=0.05)`: compute $\rho(U) = \max_i |\lambda_i(U)|$ (`np.linalg.eigvals`
# returns complex eigenvalues; take their modulus) and return `'vanish'` if $\rho < 1 - $ `tol`, `'explode'` if
# $\rho > 1 + $ `tol`, and `'borderline'` otherwise. This is the prediction for long lags in the linear regime — as we saw,
# saturation can still turn `'explode'` into vanishing. (The course's version: `helpers.rnn.gradient_regime`.)
#
# **What is graded.** `U` is a square float64 NumPy array, from $1 \times 1$ up; `tol` is a positive float, given by
# keyword when it is not the default. Return one of the Python strings `'vanish'`, `'explode'`, `'borderline'`. The
# tests use scaled identities, negative and complex eigenvalues (a rotation), non-normal matrices whose entries or norm
# are large while their eigenvalues are small, a $1 \times 1$ matrix, a `tol` other than 0.05, and random matrices;
# none has $\rho$ within 0.001 of $1 \pm$ `tol`, so any accurate way of computing the eigenvalues passes.


# %% nbgrader={"grade": false, "grade_id": "ex2_gradient_regime", "locked": false, "schema_version": 3, "solution": true}
def gradient_regime(U, tol=0.05):
    """Predict 'vanish', 'explode' or 'borderline' from the spectral radius of U.

    Args:
        U: recurrent weights, float array of shape (H, H), H >= 1.
        tol: half-width of the 'borderline' band around 1, a float > 0.

    Returns:
        The str 'vanish' if rho(U) < 1 - tol, 'explode' if rho(U) > 1 + tol, else 'borderline', where
        rho(U) = max |eigenvalue of U| (the modulus of complex eigenvalues).
    """
    ### BEGIN SOLUTION
    radius = np.max(np.abs(np.linalg.eigvals(U)))
    if radius < 1.0 - tol:
        return "vanish"
    if radius > 1.0 + tol:
        return "explode"
    return "borderline"
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex2_gradient_regime", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""gradient_regime: scaled identities, negative and complex eigenvalues, non-normal matrices, 1 x 1, another tol."""
import numpy as np

from helpers import grading

ex = grading.exercise(2, "gradient_regime")
MODULUS = "take the modulus |lambda| of the eigenvalues (np.abs of the complex eigenvalues), not their real part"
RADIUS = "the spectral radius decides (the largest |eigenvalue|), not the norm or the largest singular value of U"
BAND = "'borderline' is the band 1 - tol <= rho <= 1 + tol around 1, not a single threshold at 1"
RULE = "rho = max |eigenvalue|: 'vanish' if rho < 1 - tol, 'explode' if rho > 1 + tol, else 'borderline'"
TOL = "use the tol argument: the band is 1 - tol <= rho <= 1 + tol for the tol given, not always 0.05"
rot = np.array([[0.0, -1.0], [1.0, 0.0]])  # a rotation by 90 degrees: eigenvalues +i and -i
cases = [  # (U, keyword arguments, expected, what, hint if wrong)
    (0.5 * np.eye(3), {}, "vanish", "U = 0.5 I (rho = 0.5)", "rho = 0.5 < 1 - tol: 'vanish'"),
    (1.5 * np.eye(3), {}, "explode", "U = 1.5 I (rho = 1.5)", "rho = 1.5 > 1 + tol: 'explode'"),
    (np.eye(3), {}, "borderline", "U = I (rho = 1)", BAND),
    (1.03 * np.eye(4), {}, "borderline", "U = 1.03 I (rho = 1.03, inside 1 +- 0.05)", BAND),
    (-1.5 * np.eye(2), {}, "explode", "U = -1.5 I (eigenvalues -1.5, modulus 1.5)", MODULUS),
    (1.3 * rot, {}, "explode", "U = 1.3 x rotation (eigenvalues +-1.3i, modulus 1.3)", MODULUS),
    (np.array([[0.5, 3.0], [0.0, 0.5]]), {}, "vanish", "U = [[0.5, 3], [0, 0.5]] (eigenvalues 0.5)", RADIUS),
    (np.array([[0.9]]), {}, "vanish", "a 1 x 1 U = [[0.9]]", "with H = 1, rho is |U[0, 0]|"),
    (1.03 * np.eye(4), {"tol": 0.01}, "explode", "U = 1.03 I with tol = 0.01", TOL),
    (np.array([[0.97]]), {"tol": 0.01}, "vanish", "U = [[0.97]] with tol = 0.01", TOL),
    (np.array([[0.92]]), {"tol": 0.1}, "borderline", "U = [[0.92]] with tol = 0.1", TOL),
]
g = np.random.default_rng(21)
M = g.normal(size=(6, 6))
cases.append(
    (0.8 * M / np.max(np.abs(np.linalg.eigvals(M))), {}, "vanish", "a random 6 x 6 U scaled to rho = 0.8", RULE)
)
### BEGIN HIDDEN TESTS
cases += [
    (0.7 * rot, {}, "vanish", "U = 0.7 x rotation (modulus 0.7)", MODULUS),
    (np.array([[0.0, 10.0], [0.0, 0.0]]), {}, "vanish", "U = [[0, 10], [0, 0]] (eigenvalues 0)", RADIUS),
    (np.array([[-1.2]]), {}, "explode", "a 1 x 1 U = [[-1.2]]", MODULUS),
    (1.08 * np.eye(2), {"tol": 0.1}, "borderline", "U = 1.08 I with tol = 0.1", TOL),
]
g = np.random.default_rng(22)
while len(cases) < 35:
    M = g.normal(size=(6, 6))
    rho = g.uniform(0.3, 1.7)
    if min(abs(rho - 0.95), abs(rho - 1.05)) < 0.002:
        continue
    want = "vanish" if rho < 0.95 else "explode" if rho > 1.05 else "borderline"
    cases.append(
        (rho * M / np.max(np.abs(np.linalg.eigvals(M))), {}, want, f"a random 6 x 6 U with rho = {rho:.3f}", RULE)
    )
### END HIDDEN TESTS
for U, kwargs, want, what, hint in cases:
    ex.equal(gradient_regime(U.copy(), **kwargs), want, what, hint=hint)

# %% [markdown]
# ## 3. "The movie I watched last year was not good"
#
# How far apart are the words that matter? Let us count tokens. A classifier reads the review and decides from the
# **last** state, so the gradient of its loss must travel back from the last token to each word that carries the
# sentiment.

# %% tags=["demo"]
short_review = "The movie I watched last year was not good".split()
long_review = (
    "The movie I watched last year was not good , although the actors , the music , the "
    "costumes and the photography were all , as everyone told me before I went , truly wonderful"
).split()


def lag_to_end(tokens, word):
    return len(tokens) - 1 - tokens.index(word)


print("short review:", len(short_review), "tokens")
print("  lag between 'not' and 'good':", short_review.index("good") - short_review.index("not"))
print("  lag from 'not' to the last token:", lag_to_end(short_review, "not"))
print("  lag from 'movie' to the last token:", lag_to_end(short_review, "movie"))
print("long review:", len(long_review), "tokens")
print("  lag from 'not' to the last token:", lag_to_end(long_review, "not"))

# %% [markdown]
# In the short review "not" and "good" are neighbours (lag 1) and "not" is one step from the end: any RNN gets the
# gradient there. But the phrase's subject, "movie", is 7 steps back, and in the longer, very ordinary review the
# decisive "not good" is 27 tokens from the end — and the last words ("truly wonderful") point the wrong way. Here is
# the fraction of gradient that survives each lag in the runs above:

# %% tags=["demo"]
table_lags = {
    "'not' -> 'good'": 1,
    "'movie' -> end (short)": lag_to_end(short_review, "movie"),
    "'not' -> end (long)": lag_to_end(long_review, "not"),
    "50 tokens": 50,
}
print(f"{'gradient kept':<34}" + "".join(f"{label:>22}" for label in jac_norms))
for name, lag in table_lags.items():
    print(f"{name + f' (lag {lag})':<34}" + "".join(f"{jac_norms[label][lag]:>22.2e}" for label in jac_norms))


# %% [markdown]
# With $\rho = 0.9$ only a few percent of the gradient from "not" reaches the loss in the long review; with $\rho = 0.5$
# it is below $10^{-8}$ — the word might as well not be there. The learning signal is dominated by the last few
# tokens ("truly wonderful"), which is exactly the wrong lesson. Pushing $\rho$ above 1 does not help reliably either:
# gradients explode or the units saturate. We need a different architecture, not a different $U$.
#
# ## 4. Exploding gradients and clipping
#
# When gradients explode, one update can throw the weights far away — often to a region where the states saturate or
# overflow, and training never recovers. The standard remedy is **clipping by global norm**: treat all gradients
# (`dW`, `dU`, `db`, …) as one long vector $g$, and if its norm exceeds a threshold, scale **all of them by the same
# factor**:
#
# $$\lVert g \rVert = \sqrt{\textstyle\sum_{\text{arrays}} \sum_{\text{entries}} g_{ij}^2}, \qquad
# g \leftarrow g \cdot \frac{\text{max\_norm}}{\max(\lVert g \rVert,\ \text{max\_norm})}.$$
#
# Below the threshold nothing changes; above it, the update keeps its **direction** and only its length is capped. This is
# what `tf.clip_by_global_norm` and Keras' `optimizer = keras.optimizers.Adam(global_clipnorm=1.0)` do. Clipping each array
# separately (Keras' `clipnorm`) is different: it changes the direction of the update.
#
# ## Exercise 3 — clipping by global norm (2 points)
#
# Implement `clip_by_global_norm(grads, max_norm)`: `grads` is a list of NumPy arrays of any shapes; return
# `(clipped, global_norm)` where `clipped` is a **new** list of new arrays (do not modify the inputs) and `global_norm` is
# the norm **before** clipping, as a float. Same semantics as `tf.clip_by_global_norm` (reference:
# `helpers.optim.clip_by_global_norm`).
#
# **What is graded.** `grads` is a Python list of one or more float64 NumPy arrays (1-D and 2-D, different shapes);
# `max_norm` is a positive number. `clipped` must be a list (a tuple is accepted too) with one array per input, each of
# its input's shape; `global_norm` a number (a Python or NumPy float). The tests check the arrays you were given are
# unchanged after the call, that nothing changes when the global norm is at most `max_norm`, and all-zero gradients:
# global norm 0 and zeros back, without `nan` or an error (a harmless NumPy warning is not penalised). Values are
# compared to a relative precision of $10^{-7}$.


# %% nbgrader={"grade": false, "grade_id": "ex3_clip_by_global_norm", "locked": false, "schema_version": 3, "solution": true}
def clip_by_global_norm(grads, max_norm):
    """Scale a list of gradients so that their global norm is at most max_norm.

    Args:
        grads: list of float arrays (any shapes), e.g. [dW, dU, db]. Not modified.
        max_norm: the largest allowed global norm, a number > 0.

    Returns:
        (clipped, global_norm): a new list of arrays (each the shape of its input), all multiplied by the same
        factor max_norm / max(global_norm, max_norm); and global_norm = sqrt(sum of all squared entries of all
        arrays) before clipping, a float. All-zero gradients give global_norm 0 and zeros.
    """
    ### BEGIN SOLUTION
    total_norm = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads)))
    factor = max_norm / max(total_norm, max_norm)
    clipped = [np.asarray(g) * factor for g in grads]
    return clipped, total_norm
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex3_clip_by_global_norm", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""clip_by_global_norm: the joint norm, one common factor, inputs unchanged, nothing changed below max_norm, zeros."""
import numpy as np

import helpers.optim
from helpers import grading

ex = grading.exercise(3, "clip_by_global_norm")


def norm_hint(got, grads, max_norm):
    # Name the mistake whose global norm this is, if any.
    try:
        value = float(grading.plain(got, numeric=True))
    except (TypeError, ValueError):
        return "return the global norm as a number (a float)"
    squares = sum(float(np.sum(np.square(g))) for g in grads)
    if np.isclose(value, squares) and not np.isclose(squares, np.sqrt(squares)):
        return "the square root looks missing: the global norm is sqrt(sum of all squared entries), not the sum"
    if np.isclose(value, min(np.sqrt(squares), max_norm)):
        return "this is the norm AFTER clipping: return the global norm of the gradients before clipping"
    return "the global norm is sqrt(sum over all arrays of the sum of their squared entries)"


def check(grads, max_norm, what):
    # One call: the norm before clipping, one array per input with its shape and values, the inputs untouched.
    grads = [np.array(a, dtype=float) for a in grads]
    before = [a.copy() for a in grads]
    want, want_norm = helpers.optim.clip_by_global_norm(before, max_norm)
    if want_norm == 0:
        hint = "all-zero gradients have global norm 0: return zeros, do not divide by the norm (0 / 0 is nan)"
    elif want_norm <= max_norm:
        hint = "below max_norm the gradients must not change: the factor is max_norm / max(norm, max_norm) = 1 here"
    else:
        hint = (
            "every array is scaled by the SAME factor max_norm / global_norm; clipping each array by its own norm "
            "(Keras' clipnorm) changes the update's direction"
        )
    try:
        clipped, norm = clip_by_global_norm(grads, max_norm)
    except Exception as exc:  # an error is a failure of this check, with the likely reason
        ex.true(False, what, expected="(clipped, global_norm)", got=f"{type(exc).__name__}: {exc}", hint=hint)
    ex.close(norm, want_norm, f"{what}: global_norm", rtol=1e-7, hint=norm_hint(norm, before, max_norm))
    ex.equal(len(clipped), len(want), f"{what}: number of clipped arrays", hint="return one array per input array")
    for i, (c, w) in enumerate(zip(clipped, want)):
        ex.shape(c, w.shape, f"{what}: clipped[{i}]", hint="each clipped array keeps the shape of its input")
        ex.close(c, w, f"{what}: clipped[{i}]", rtol=1e-7, hint=hint)
    for i, (a, b) in enumerate(zip(grads, before)):
        ex.close(
            a,
            b,
            f"{what}: grads[{i}] after the call",
            hint="do not modify the input gradients in place: return new arrays",
        )


check([[3.0, 0.0], [[4.0]]], 1.0, "[[3, 0], [[4]]] (global norm 5) with max_norm = 1")
check([[3.0, 0.0], [[4.0]]], 10.0, "[[3, 0], [[4]]] (global norm 5) with max_norm = 10")
check([[6.0, 8.0]], 5.0, "a single array [6, 8] (norm 10) with max_norm = 5")
check([np.zeros((2, 2)), np.zeros(3)], 1.0, "all-zero gradients")
g = np.random.default_rng(31)
check([g.normal(size=(3, 4)), g.normal(size=(4, 4)), g.normal(size=(4,))], 0.5, "random [dW, dU, db], max_norm = 0.5")
### BEGIN HIDDEN TESTS
g = np.random.default_rng(32)
for mx in [0.01, 0.5, 2.0, 50.0]:
    check([g.normal(size=(3, 4)), g.normal(size=(4, 4)), g.normal(size=(4,))], mx, f"random grads, max_norm = {mx}")
check([np.zeros((2, 2))], 1.0, "one all-zero array")
check([np.array([6.0, 8.0])], 10.0, "a single array exactly at the threshold")
### END HIDDEN TESTS

# %% [markdown]
# ### Clipping in action
#
# A small experiment (an ordinary cell, not graded): train a vanilla RNN ($H = 16$) with plain SGD to predict the next
# value of a noisy sine wave from windows of 25 steps (`make_windows` from lesson 01). We start it with $U = 1.5\,Q$ —
# spectral radius 1.5, in the exploding regime — and a large learning rate of 0.3, once without clipping and once with
# your `clip_by_global_norm` at `max_norm = 1`. Same seed, same batches.

# %% tags=["demo"]
import warnings


def train_rnn(max_norm=None, lr=0.3, steps=300, H=16, window=25, seed=0):
    # Plain SGD on the MSE of a linear read-out of the last state; returns losses and global gradient norms.
    r = np.random.default_rng(seed)
    t = np.arange(1200)
    wave = np.sin(2 * np.pi * t / 40) + 0.1 * r.normal(size=t.size)
    X, y = make_windows(wave, window)  # (N, 25, 1), (N, 1)
    W = 0.5 * r.normal(size=(1, H))
    U = 1.5 * np.linalg.qr(r.normal(size=(H, H)))[0]  # spectral radius 1.5
    b = np.zeros(H)
    V = r.normal(size=(H, 1)) / np.sqrt(H)  # read-out weights
    c = np.zeros(1)
    losses, norms = [], []
    for _ in range(steps):
        batch = r.integers(0, len(X), size=32)
        h, cache = rnn_forward(X[batch], np.zeros((32, H)), W, U, b)
        err = h[:, -1] @ V + c - y[batch]
        losses.append(np.mean(err**2))
        d_pred = 2 * err / len(err)
        dh = np.zeros_like(h)
        dh[:, -1] = d_pred @ V.T  # the loss only sees the last state
        _, _, dW, dU, db = rnn_backward(dh, cache)
        grads = [dW, dU, db, h[:, -1].T @ d_pred, d_pred.sum(axis=0)]
        if max_norm is None:
            norm = np.sqrt(sum(np.sum(g**2) for g in grads))
        else:
            grads, norm = clip_by_global_norm(grads, max_norm)
        norms.append(norm)
        for p, g in zip((W, U, b, V, c), grads):
            p -= lr * g
    return np.array(losses), np.array(norms)


with warnings.catch_warnings(), np.errstate(all="ignore"):  # the unclipped run overflows
    warnings.simplefilter("ignore")
    loss_plain, norm_plain = train_rnn(max_norm=None)
    loss_clip, norm_clip = train_rnn(max_norm=1.0)

blown = np.flatnonzero(~np.isfinite(loss_plain) | (loss_plain > 10))
print("without clipping: loss first exceeds 10 (or overflows) at step", blown[0] if len(blown) else None)
print(
    f"with clipping:    final loss (mean of last 20 steps) {loss_clip[-20:].mean():.4f}; "
    f"clipped in {np.mean(norm_clip > 1.0):.0%} of the steps"
)

fig, axes = plt.subplots(1, 2, figsize=(11, 4))


def shown(values, limit):
    # Hide overflowed values (inf, nan, astronomically large) so the log axes stay readable.
    return np.where(np.isfinite(values) & (values < limit), values, np.nan)


axes[0].semilogy(shown(loss_plain, 1e6), label="no clipping")
axes[0].semilogy(loss_clip, label="clip global norm at 1")
axes[0].set(title="Training loss", xlabel="SGD step", ylabel="MSE (log scale)", ylim=(1e-3, 1e6))
axes[1].semilogy(shown(norm_plain, 1e8), label="no clipping")
axes[1].semilogy(norm_clip, label="clip global norm at 1 (norm before clipping)")
axes[1].axhline(1.0, color="0.5", linestyle=":", label="max_norm")
axes[1].set(title="Global gradient norm", xlabel="SGD step", ylabel="||g|| (log scale)", ylim=(1e-2, 1e8))
for ax in axes:
    ax.legend()
plt.show()

# %% [markdown]
# Without clipping, a few large gradients in the first steps throw the weights out of range: the gradient norm and the
# loss grow without bound and leave the plot within about 20 steps (soon after, they overflow to `inf` / `nan`). With
# clipping, the same early spikes only produce steps of bounded length; training settles and the loss falls close to the
# noise variance of the data ($0.1^2 = 0.01$).
#
# Clipping treats the symptom of **exploding** gradients. It cannot help with **vanishing** ones — the subject of the
# question below.

# %% [markdown] nbgrader={"grade": false, "grade_id": "rubric_written_clipping_vanishing", "locked": true, "schema_version": 3, "solution": false}
# ## Question — does clipping help against vanishing gradients? (2 points)
#
# An RNN for the long movie review above is trained with global-norm clipping at 1. It still ignores the word "not",
# 27 tokens before the end. In two to four sentences: can clipping (or a larger `max_norm`) fix this, and why or why
# not? Name one thing that would help.
#
# **Rubric (2 points)**
# - 1 point: says no, with the reason: clipping only ever rescales the whole gradient *down* (by one common factor,
#   and only when its norm is too large), so it cannot enlarge the tiny part that comes from "not" after a product of
#   27 shrinking Jacobians $\operatorname{diag}(1 - h_t^2)\,U$, nor change its ratio to the recent steps' part; a larger
#   `max_norm` changes nothing either. ("No" without a reason, or a reason that clipping *amplifies* small gradients:
#   0 points.)
# - 1 point: names a remedy that keeps the gradient path through time from shrinking geometrically, with a word on
#   why: an LSTM or GRU (gated, additive cell state: along the cell path $\partial c_t / \partial c_{t-1} = \operatorname{diag}(f_t)$, close
#   to the identity when the forget gate is open); or, partly, an orthogonal / identity-like $U$ (spectral radius 1)
#   with unsaturated units; skip connections or attention also count.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_clipping_vanishing", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# No. Clipping only ever makes gradients *smaller*: it rescales the whole gradient when its norm is too large and leaves it
# untouched otherwise. The problem here is that the part of the gradient that comes from the word "not" has been
# multiplied by 27 Jacobians $\operatorname{diag}(1-h_t^2)U$ whose norm is below 1, so it is tiny compared to the
# contributions of the last few tokens; no rescaling of the total changes that ratio (and raising `max_norm` changes
# nothing either). What helps is an architecture whose gradient path through time does not shrink geometrically — an LSTM
# or GRU, whose additive, gated cell state keeps $\partial c_T / \partial c_k$ close to 1 when the forget gate is open —
# or, partly, an initialisation with $U$ orthogonal (radius 1) plus unsaturated units.

# %% [markdown]
# ## Key takeaways
#
# - BPTT multiplies one Jacobian per step: $\partial h_{T-1}/\partial h_k = \prod_t \operatorname{diag}(1 - h_t^2)\,U$
#   (in code layout $\operatorname{diag}(1 - h_t^2)\,U^{\top}$, applied as `(dh * (1 - h**2)) @ U.T`).
# - The gradient from a step `lag` steps back behaves like $\rho(U)^{\text{lag}}$ in the linear regime: it **vanishes**
#   geometrically for $\rho < 1$ (guaranteed when $\sigma_{\max}(U) < 1$) and **may explode** for $\rho > 1$.
# - $\tanh' \le 1$ only shrinks: saturated units ($|h| \approx 1$) make gradients vanish even when $\rho > 1$.
# - A dependency 27 tokens back ("not … good") receives a few percent of the gradient at best with $\rho = 0.9$, and
#   nothing useful with $\rho = 0.5$: the vanilla RNN learns mostly from the last few steps.
# - **Clipping by global norm** rescales all gradients by one factor when their joint norm exceeds a threshold; it tames
#   exploding gradients, keeps the update direction, and does nothing for vanishing ones.
#
# ## What's next
#
# Lesson 03 builds the **LSTM cell** in NumPy: a cell state $c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$ that is
# updated *additively* through gates, so that along the cell path $\partial c_t / \partial c_{t-1} = \operatorname{diag}(f_t)$ — close to the
# identity when the forget gate is open. Lesson 04 derives its backward pass and shows this "constant error carousel" with
# the same lag plot as here; lesson 06 measures how much longer an LSTM remembers.
