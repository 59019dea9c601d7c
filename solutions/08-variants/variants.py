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
# # Lesson 08 — Beyond the basic LSTM: GRU, peepholes, bidirectional and stacked, ConvLSTM, xLSTM
#
# The LSTM of lessons 03–07 is one member of a family. This last lesson walks through the relatives you will
# meet in papers and in `keras.layers`, builds the interesting ones in NumPy, and checks them against Keras.
#
# **What you will learn**
#
# - How a **GRU** works, and how to reproduce `keras.layers.GRU` exactly from its own weights — including the
#   `reset_after=True` detail that makes Keras' GRU differ from the original paper.
# - How to count parameters of LSTM and GRU layers (4 blocks vs 3, and why Keras' GRU has two bias vectors).
# - What **peephole connections** add (gates that look at the cell state), and which cell state each gate sees.
# - How to **stack** and make **bidirectional** LSTMs in Keras, and why a forecaster must never be bidirectional.
# - What a **ConvLSTM** is, trained on a tiny video of a moving square.
# - How xLSTM's **sLSTM** cell uses exponential gates, a normaliser and a stabiliser state, and why, without the
#   stabiliser, `exp` overflows to `inf` and then `nan`.
#
# **Why it matters.** Choosing a recurrent layer is a trade-off between memory, parameters and speed. Knowing
# exactly what each variant computes lets you port weights between libraries, read new papers (xLSTM, 2024, is
# an LSTM revival), and avoid a classic forecasting bug: a model that secretly reads the future.

# %% [markdown]
# ## Setup
#
# Keras is imported after `quiet_tensorflow()` (it hides TensorFlow's C++ logging). The NumPy reference
# implementations live in `helpers.lstm`, `helpers.gru` and `helpers.variants`.

# %%
import matplotlib.pyplot as plt
import numpy as np

from helpers.env import quiet_tensorflow, seed_everything

quiet_tensorflow()
import keras

rng = seed_everything(0)

from helpers.plotting import use_course_style

use_course_style()

import helpers.gru
import helpers.lstm
import helpers.variants

print("keras", keras.__version__, "| numpy", np.__version__)

# %% [markdown]
# ## Part 1 — The gated recurrent unit (GRU)
#
# **Intuition.** The LSTM keeps two states, $h_t$ and $c_t$, and uses three gates. Cho et al. (2014) asked:
# can one state and two gates do? The GRU merges the cell and hidden states and couples forgetting and writing
# into one **update gate** $z_t$: whatever share of the old state is kept, the rest is filled with a new
# candidate. A **reset gate** $r_t$ decides how much of the old state the candidate may look at.
#
# **Maths (Keras' convention).** For one example (column vectors; in code, `x_t @ W` with batch rows):
#
# $$
# \begin{aligned}
# z_t &= \sigma\big(W_z x_t + b_z + U_z h_{t-1} + b'_z\big) && \text{update gate}\\
# r_t &= \sigma\big(W_r x_t + b_r + U_r h_{t-1} + b'_r\big) && \text{reset gate}\\
# \hat h_t &= \tanh\big(W_h x_t + b_h + r_t \odot (U_h h_{t-1} + b'_h)\big) && \text{candidate (reset after the product)}\\
# h_t &= z_t \odot h_{t-1} + (1 - z_t) \odot \hat h_t && \text{keep a share } z_t \text{ of the old state}
# \end{aligned}
# $$
#
# Two details trip everyone up:
#
# 1. **Sign convention of $z_t$.** Keras (like PyTorch and Cho et al., 2014) keeps $z_t$ of the *old* state.
#    Other papers and tutorials (e.g. Chung et al., 2014) write $h_t = (1 - z_t)\odot h_{t-1} + z_t \odot \hat h_t$.
#    It is the same model with $z$ relabelled $1 - z$ — but weights are not interchangeable between the two.
# 2. **`reset_after`.** The original GRU resets *before* the recurrent product,
#    $\hat h_t = \tanh\big(W_h x_t + b_h + U_h (r_t \odot h_{t-1})\big)$. Keras' default, `reset_after=True`
#    (the variant cuDNN implements, also PyTorch's), applies $r_t$ *after* the product and therefore needs a
#    second, **recurrent bias** $b'$: inside $r_t \odot (\dots)$ it is not the same as the input bias.
#
# **Keras' weights.** Packed in the order **z, r, h**: `kernel` $W$ is (D, 3H), `recurrent_kernel` $U$ is
# (H, 3H), and `bias` is (2, 3H) with `reset_after=True` — row 0 the input biases $b$, row 1 the recurrent
# biases $b'$ — or (3H,) with `reset_after=False`.

# %% tags=["demo"]
gru_demo = keras.layers.GRU(5)  # reset_after=True is the default
gru_demo.build((None, 7, 3))  # D = 3 input features, H = 5 units
for weight in gru_demo.weights:
    print(f"{weight.path:28s} {tuple(weight.shape)}")


# %% [markdown]
# ## Exercise 1 — One GRU step that matches Keras (3 points)
#
# Implement `gru_step_forward` for a batch, exactly as `keras.layers.GRU` with `reset_after=True` computes it:
# blocks in the order z, r, h; the input bias `b[0]` and the recurrent bias `b[1]`; the reset gate multiplies
# $U_h h_{t-1} + b'_h$ (after the matrix product); $h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \hat h_t$.
# Use one matrix product for the three input blocks and one for the three recurrent blocks. Return $h_t$ only
# (the course's version, `helpers.gru.gru_step_forward`, also returns a cache: `h_t, cache`).
#
# **What is graded.** The arguments are NumPy arrays, float64 or (from Keras) float32, of the shapes in the
# docstring; N, D and H may each be 1. Return $h_t$ alone (not a tuple): an array of shape (N, H). The tests
# set gates by hand (weights 0, biases of $\pm 30$ push a gate to 0 or 1), compare with the course's reference
# on random float64 inputs, and with `keras.layers.GRU` on random float32 weights. Precision: with float64
# inputs $h_t$ must be within $10^{-9}$ (absolute) of the exact value; against Keras (float32 arithmetic) within
# $10^{-5}$.


# %% nbgrader={"grade": false, "grade_id": "ex1_gru_step_forward", "locked": false, "schema_version": 3, "solution": true}
def gru_step_forward(x_t, h_prev, W, U, b):
    """One GRU step as keras.layers.GRU(reset_after=True) computes it.

    Args:
        x_t: input at step t, shape (N, D), float32 or float64 (N, D may be 1).
        h_prev: previous hidden state h_{t-1}, shape (N, H) (H may be 1).
        W: input weights (Keras `kernel`), shape (D, 3H), blocks z, r, h.
        U: recurrent weights (Keras `recurrent_kernel`), shape (H, 3H), blocks z, r, h.
        b: biases (Keras `bias`), shape (2, 3H): row 0 input bias, row 1 recurrent bias; blocks z, r, h.

    Returns:
        h_t: next hidden state, an array of shape (N, H) (h_t alone, not a tuple); within 1e-9 of the exact
        value for float64 inputs, within 1e-5 of Keras for float32.
    """
    H = h_prev.shape[1]
    ### BEGIN SOLUTION
    from_input = x_t @ W + b[0]  # (N, 3H) blocks z, r, h
    from_state = h_prev @ U + b[1]  # (N, 3H) recurrent part, with its own bias
    z_gate = 1.0 / (1.0 + np.exp(-(from_input[:, :H] + from_state[:, :H])))
    r_gate = 1.0 / (1.0 + np.exp(-(from_input[:, H : 2 * H] + from_state[:, H : 2 * H])))
    candidate = np.tanh(from_input[:, 2 * H :] + r_gate * from_state[:, 2 * H :])  # reset AFTER the product
    h_next = z_gate * h_prev + (1.0 - z_gate) * candidate
    return h_next
    ### END SOLUTION


# %% [markdown]
# A first check by hand: with all weights and biases zero, $z_t = r_t = \tfrac12$ and $\hat h_t = \tanh 0 = 0$,
# so $h_t = \tfrac12 h_{t-1}$.

# %% tags=["demo"]
zero_W, zero_U, zero_b = np.zeros((2, 9)), np.zeros((3, 9)), np.zeros((2, 9))
print(gru_step_forward(np.ones((1, 2)), np.full((1, 3), 0.8), zero_W, zero_U, zero_b))  # expect 0.4 0.4 0.4

# %% nbgrader={"grade": true, "grade_id": "test_ex1_gru_step_forward_convention", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""Exercise 1: Keras' update convention (z keeps the old state) and the reset-after candidate, by hand."""
import numpy as np

from helpers import grading

ex = grading.exercise(1, "gru_step_forward")
D, H = 2, 3
W0, U0 = np.zeros((D, 3 * H)), np.zeros((H, 3 * H))
x0, h_old = np.ones((1, D)), np.full((1, H), 0.8)


def biases(**blocks):  # b of shape (2, 3H); e.g. z_in=30 sets b[0, :H], h_rec=2 sets b[1, 2H:]
    b_ = np.zeros((2, 3 * H))
    for key, value in blocks.items():
        block, row = key.split("_")
        k = "zrh".index(block)
        b_[{"in": 0, "rec": 1}[row], k * H : (k + 1) * H] = value
    return b_


def near(got, value):  # for the hints only: does the answer look like a known mistake?
    try:
        return bool(np.allclose(grading.plain(got, numeric=True), value, atol=1e-6))
    except Exception:  # noqa: BLE001 - not numbers: no diagnosis
        return False


# (a) all weights and biases 0: z = r = 1/2, candidate tanh(0) = 0
h_half = gru_step_forward(x0, h_old, W0, U0, biases())
ex.shape(h_half, (1, H), "h_t", hint="return h_t alone, an array of shape (N, H), not a tuple (h_t, cache)")
ex.close(
    h_half,
    0.4,
    "h_t with all weights and biases 0",
    atol=1e-9,
    hint="with all weights 0, z = r = 0.5 and the candidate is tanh(0) = 0, so h_t = 0.5 * h_prev",
)
# (b) z -> 1 through the input bias of the FIRST block: the old state is kept
h_keep = gru_step_forward(x0, h_old, W0, U0, biases(z_in=30.0))
if near(h_keep, 0.0):
    keep_hint = (
        "z -> 1 gave the candidate instead of h_prev: Keras keeps a share z of the OLD state, "
        "h_t = z * h_prev + (1 - z) * candidate (you used the other papers' convention with z and 1 - z swapped)"
    )
elif near(h_keep, 0.4):
    keep_hint = "the first block did not act as z: Keras packs the blocks in the order z, r, h (z is the FIRST block)"
else:
    keep_hint = "z -> 1 must keep the old state: h_t = z * h_prev + (1 - z) * candidate, z the first block"
ex.close(h_keep, h_old, "h_t with z -> 1 (b[0, :H] = 30)", atol=1e-9, hint=keep_hint)
# (c) z -> 1 through the RECURRENT bias row b[1]
ex.close(
    gru_step_forward(x0, h_old, W0, U0, biases(z_rec=30.0)),
    h_old,
    "h_t with z -> 1 through the recurrent bias (b[1, :H] = 30)",
    atol=1e-9,
    hint="the recurrent bias b[1] looks missing: Keras adds it to h_prev @ U for every block (z, r and h)",
)
# (d) z -> 0: h_t is the candidate; the candidate's INPUT bias b_h stays outside the reset gate
ex.close(
    gru_step_forward(x0, h_old, W0, U0, biases(z_in=-30.0, h_in=0.7)),
    np.tanh(0.7),
    "h_t with z -> 0 and input bias b_h = 0.7",
    atol=1e-9,
    hint="with z -> 0, h_t is the candidate tanh(x W_h + b_h + r * (h U_h + b'_h)): the input bias b[0] of the "
    "candidate block is not multiplied by r",
)
# (e) z -> 0, recurrent bias b'_h = 2 of the candidate: r = 1/2 multiplies it (reset AFTER the product)
h_cand = gru_step_forward(x0, h_old, W0, U0, biases(z_in=-30.0, h_rec=2.0))
if near(h_cand, np.tanh(2.0)):
    cand_hint = "r must multiply the recurrent bias b'_h too: tanh(... + r * (h_prev @ U_h + b'_h)), reset_after=True"
else:
    cand_hint = (
        "the reset gate must multiply (h_prev @ U_h + b'_h), the recurrent product AND the recurrent bias b[1] of "
        "the candidate block (reset after the product, reset_after=True); resetting h_prev before the product "
        "(reset_after=False, the original paper) is not what Keras computes"
    )
ex.close(h_cand, np.tanh(0.5 * 2.0), "h_t with z -> 0 and recurrent bias b'_h = 2", atol=1e-9, hint=cand_hint)
# (f) z -> 0 and r -> 0: the reset gate removes the whole recurrent part of the candidate
ex.close(
    gru_step_forward(x0, h_old, W0, U0, biases(z_in=-30.0, r_in=-30.0, h_in=0.7, h_rec=5.0)),
    np.tanh(0.7),
    "h_t with z -> 0, r -> 0, b_h = 0.7 and b'_h = 5",
    atol=1e-9,
    hint="with r -> 0 the reset gate removes h_prev @ U_h + b'_h entirely: only x W_h + b_h is left",
)
### BEGIN HIDDEN TESTS
h_many = np.linspace(-0.9, 0.9, 4 * H).reshape(4, H)  # a batch of 4
ex.close(
    gru_step_forward(np.zeros((4, D)), h_many, W0, U0, biases(z_rec=30.0)),
    h_many,
    "h_t, batch of 4, z -> 1 through b[1]",
    atol=1e-9,
    hint="the recurrent bias b[1] looks missing: Keras adds it to h_prev @ U for every block",
)
ex.close(
    gru_step_forward(x0, h_old, W0, U0, biases(z_in=-30.0, r_in=30.0, h_in=0.7, h_rec=-0.4)),
    np.tanh(0.7 - 0.4),
    "h_t with z -> 0, r -> 1, b_h = 0.7 and b'_h = -0.4",
    atol=1e-9,
    hint="with r -> 1 the candidate is tanh(b_h + b'_h): both biases of the candidate block count",
)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ex1_gru_step_forward_keras", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Exercise 1: one step of gru_step_forward equals keras.layers.GRU (reset_after=True) and the reference."""
import numpy as np

import helpers.gru
from helpers import grading
from helpers.env import quiet_tensorflow

quiet_tensorflow()
import keras

ex = grading.exercise(1, "gru_step_forward")
KERAS_HINT = (
    "differs from keras.layers.GRU: check the block order z, r, h, that b[1] is added to h_prev @ U, "
    "that r multiplies (h_prev @ U_h + b'_h), not h_prev, and that h_t = z * h_prev + (1 - z) * candidate"
)


def against_keras(N, D, H, seed):  # float32 weights and inputs, as Keras holds them
    gen = np.random.default_rng(seed)
    layer = keras.layers.GRU(H)  # reset_after=True: Keras' default
    layer.build((None, 1, D))
    weights = [gen.normal(size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    x = gen.normal(size=(N, 1, D)).astype("float32")
    h_prev = gen.normal(size=(N, H)).astype("float32")
    want = keras.ops.convert_to_numpy(layer(x, initial_state=[h_prev]))
    got = gru_step_forward(x[:, 0], h_prev, *weights)
    ex.shape(got, (N, H), f"h_t for N, D, H = {N, D, H}", hint="return h_t alone, an array of shape (N, H)")
    ex.close(got, want, f"h_t against keras.layers.GRU, N, D, H = {N, D, H}", atol=1e-5, hint=KERAS_HINT)


def against_reference(N, D, H, seed):  # float64 inputs, the exact value
    gen = np.random.default_rng(seed)
    args = (
        gen.normal(size=(N, D)),
        gen.normal(size=(N, H)),
        gen.normal(scale=1.5, size=(D, 3 * H)),
        gen.normal(scale=1.5, size=(H, 3 * H)),
        gen.normal(size=(2, 3 * H)),
    )
    want, _ = helpers.gru.gru_step_forward(*args)
    ex.close(gru_step_forward(*args), want, f"h_t (float64) for N, D, H = {N, D, H}", atol=1e-9, hint=KERAS_HINT)


against_keras(4, 3, 5, seed=11)
against_reference(1, 1, 1, seed=101)  # a single example, feature and unit
against_reference(3, 2, 4, seed=102)
### BEGIN HIDDEN TESTS
against_keras(1, 2, 1, seed=12)
for n_, d_, h_ in [(7, 2, 9), (2, 6, 4), (5, 1, 3)]:
    against_reference(n_, d_, h_, seed=100 + n_ * d_ * h_)
### END HIDDEN TESTS

# %% [markdown]
# One step is enough: a sequence is the step in a loop. `helpers.gru.gru_forward` does exactly that, and
# reproduces a whole `keras.layers.GRU(return_sequences=True)` — for both settings of `reset_after`:

# %% tags=["demo"]
x_seq = rng.normal(size=(4, 12, 3)).astype("float32")  # (N, T, D)
for reset_after in (True, False):
    layer = keras.layers.GRU(6, return_sequences=True, reset_after=reset_after)
    layer.build((None, 12, 3))
    weights = [rng.normal(scale=0.7, size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    h_keras = keras.ops.convert_to_numpy(layer(x_seq))  # (N, T, H)
    h_numpy, _ = helpers.gru.gru_forward(x_seq, np.zeros((4, 6), "float32"), *weights, reset_after=reset_after)
    print(
        f"reset_after={reset_after!s:5}  bias shape {weights[2].shape}  max |NumPy - Keras| = "
        f"{np.abs(h_numpy - h_keras).max():.2e}"
    )


# %% [markdown]
# ### Counting parameters: LSTM vs GRU
#
# An LSTM layer has **four** blocks (i, f, c, o), each with input weights (D×H), recurrent weights (H×H) and a
# bias (H): $4H(D + H + 1)$. A GRU has **three** blocks (z, r, h); with Keras' `reset_after=True` each block
# has two bias vectors: $3H(D + H + 2)$, and $3H(D + H + 1)$ with `reset_after=False`.
#
# ## Exercise 2 — GRU parameter count (2 points)
#
# Write `gru_param_count(D, H, reset_after=True)`: the number of trainable parameters of
# `keras.layers.GRU(H, reset_after=reset_after)` on D input features.
#
# **What is graded.** `D` and `H` are positive Python ints (1 included), `reset_after` a bool, passed by
# keyword (`gru_param_count(8, 32, reset_after=False)`) or left at its default `True`. Return the count as an
# integer (a Python `int` or a NumPy integer); it must equal Keras' `count_params()` exactly, for both settings
# of `reset_after`.


# %% nbgrader={"grade": false, "grade_id": "ex2_gru_param_count", "locked": false, "schema_version": 3, "solution": true}
def gru_param_count(D, H, reset_after=True):
    """Trainable parameters of keras.layers.GRU(H, reset_after=reset_after) on D input features.

    Args:
        D: input features, a positive int.
        H: hidden units, a positive int.
        reset_after: Keras' flag; True gives each of the 3 blocks a second (recurrent) bias vector.

    Returns:
        The parameter count, an integer (Python or NumPy), exactly Keras' count_params().
    """
    ### BEGIN SOLUTION
    bias_vectors = 2 if reset_after else 1
    return 3 * H * (D + H + bias_vectors)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex2_gru_param_count", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Exercise 2: gru_param_count agrees with Keras' count_params(), for reset_after=True and False."""
from helpers import grading
from helpers.env import quiet_tensorflow

quiet_tensorflow()
import keras

ex = grading.exercise(2, "gru_param_count")


def count_hint(D, H, flag, got):  # name the mistake the wrong count points to
    generic = "3 blocks z, r, h, each with W (D x H), U (H x H) and 2 bias vectors (reset_after=True) or 1 (False)"
    try:
        got = int(got)
    except (TypeError, ValueError):
        return generic + "; return one integer"
    if got == 4 * H * (D + H + (2 if flag else 1)) or got == 4 * H * (D + H + 1):
        return "that is an LSTM's count with four blocks: a GRU has three blocks, z, r and h"
    if flag and got == 3 * H * (D + H + 1):
        return "with reset_after=True each of the 3 blocks has TWO bias vectors (input and recurrent): 3H(D + H + 2)"
    if not flag and got == 3 * H * (D + H + 2):
        return "with reset_after=False each block has ONE bias vector: 3H(D + H + 1); the flag must change the count"
    return generic


def check(D, H, flag, want=None):
    if want is None:
        layer = keras.layers.GRU(H, reset_after=flag)
        layer.build((None, 10, D))
        want = layer.count_params()
    got = gru_param_count(D, H, reset_after=flag) if flag is not True else gru_param_count(D, H)
    ex.equal(got, want, f"the count for D={D}, H={H}, reset_after={flag}", hint=count_hint(D, H, flag, got))


check(8, 32, True, want=4032)  # 3 * 32 * (8 + 32 + 2)
check(8, 32, False, want=3936)  # 3 * 32 * (8 + 32 + 1)
for D, H in [(1, 1), (3, 16)]:
    check(D, H, True)
    check(D, H, False)
### BEGIN HIDDEN TESTS
for d_in, units in [(5, 7), (1, 40), (12, 1)]:
    for flag in (True, False):
        check(d_in, units, flag)
### END HIDDEN TESTS

# %% tags=["demo"]
print(f"{'D':>3} {'H':>4} | {'LSTM':>7} {'GRU':>7} {'GRU/LSTM':>9}")
for D, H in [(1, 32), (8, 32), (8, 128), (64, 256)]:
    lstm_layer, gru_layer = keras.layers.LSTM(H), keras.layers.GRU(H)
    lstm_layer.build((None, 10, D))
    gru_layer.build((None, 10, D))
    n_lstm, n_gru = lstm_layer.count_params(), gru_layer.count_params()
    assert n_lstm == helpers.variants.param_count("lstm", D, H) and n_gru == helpers.variants.param_count("gru", D, H)
    print(f"{D:>3} {H:>4} | {n_lstm:>7} {n_gru:>7} {n_gru / n_lstm:>9.3f}")


# %% [markdown]
# **When is a GRU the lighter choice?** It has about 3/4 of an LSTM's parameters and work per step, one state
# instead of two (less memory when you keep states, e.g. in streaming inference), and on many benchmarks it
# performs on par with an LSTM (Chung et al., 2014; Jozefowicz et al., 2015). Reach for it when data are small
# (fewer parameters to fit), when latency or memory matter, or as a second candidate in a model search. The
# LSTM's separate, additive cell state still tends to win on tasks that need long, precise memory or counting
# (Weiss et al., 2018): lesson 06 measured memory against lag.

# %% [markdown]
# ## Part 2 — Peephole connections
#
# **Intuition.** In the LSTM of lesson 03 the gates see $x_t$ and $h_{t-1}$, but not the cell state itself:
# when the output gate is closed, $h_{t-1}$ says nothing about $c_{t-1}$, so the gates are blind to what is
# stored. Gers & Schmidhuber (2000) added **peepholes**: each gate also gets the cell state of its own unit,
# through a diagonal weight (one number per unit, so $p_i, p_f, p_o \in \mathbb{R}^H$ act elementwise).
# This helped on tasks that need precise timing or counting.
#
# **Maths.** The input and forget gates act *before* the cell is updated, so they see $c_{t-1}$; the output gate
# acts *after*, so it sees the new $c_t$:
#
# $$
# \begin{aligned}
# i_t &= \sigma(W_i x_t + U_i h_{t-1} + p_i \odot c_{t-1} + b_i)\\
# f_t &= \sigma(W_f x_t + U_f h_{t-1} + p_f \odot c_{t-1} + b_f)\\
# \tilde c_t &= \tanh(W_c x_t + U_c h_{t-1} + b_c)\\
# c_t &= f_t \odot c_{t-1} + i_t \odot \tilde c_t\\
# o_t &= \sigma(W_o x_t + U_o h_{t-1} + p_o \odot c_t + b_o)\\
# h_t &= o_t \odot \tanh(c_t)
# \end{aligned}
# $$
#
# In code the peepholes are one array `P` of shape (3, H) with rows $p_i, p_f, p_o$ in that order; `W`, `U`, `b`
# are packed as in lesson 03, blocks in the order **i, f, c, o**. With `P = 0` this is exactly the plain LSTM.
# Keras has no peephole layer; its `ConvLSTM` and `LSTM` omit them (Greff et al., 2017, found they rarely help
# on ordinary data, which is one reason they fell out of use).
#
# ## Exercise 3 — A peephole LSTM cell (3 points)
#
# Implement `peephole_lstm_step_forward`, returning `(h_t, c_t)`. Mind which cell state each gate sees. (The
# course's version, `helpers.variants.peephole_lstm_step_forward`, also returns a cache.)
#
# **What is graded.** The arguments are float64 NumPy arrays of the shapes in the docstring; N, D and H may each
# be 1. Return the pair `(h_t, c_t)` (a tuple or a list), each an array of shape (N, H), within $10^{-10}$
# (absolute) of the exact values. The tests check that `P = 0` gives lesson 03's plain LSTM, set the gates by
# hand (weights 0, one peephole at a time), and compare with the course's reference on random weights and
# peepholes.


# %% nbgrader={"grade": false, "grade_id": "ex3_peephole_lstm_step_forward", "locked": false, "schema_version": 3, "solution": true}
def peephole_lstm_step_forward(x_t, h_prev, c_prev, W, U, P, b):
    """One step of a peephole LSTM (Gers & Schmidhuber) for a batch.

    Args:
        x_t: input at step t, shape (N, D), float64 (N, D may be 1).
        h_prev: previous hidden state, shape (N, H) (H may be 1).
        c_prev: previous cell state, shape (N, H).
        W: input weights, shape (D, 4H), blocks i, f, c, o.
        U: recurrent weights, shape (H, 4H), blocks i, f, c, o.
        P: diagonal peephole weights, shape (3, H), rows p_i, p_f, p_o.
        b: biases, shape (4H,), blocks i, f, c, o.

    Returns:
        (h_t, c_t): the next hidden state and the next cell state, each an array of shape (N, H), within 1e-10
        of the exact values.
    """
    H = h_prev.shape[1]
    ### BEGIN SOLUTION
    pre = x_t @ W + h_prev @ U + b  # (N, 4H) blocks i, f, c, o
    gate_i = 1.0 / (1.0 + np.exp(-(pre[:, :H] + P[0] * c_prev)))  # sees c_{t-1}
    gate_f = 1.0 / (1.0 + np.exp(-(pre[:, H : 2 * H] + P[1] * c_prev)))  # sees c_{t-1}
    cand = np.tanh(pre[:, 2 * H : 3 * H])
    c_next = gate_f * c_prev + gate_i * cand
    gate_o = 1.0 / (1.0 + np.exp(-(pre[:, 3 * H :] + P[2] * c_next)))  # sees the new c_t
    h_next = gate_o * np.tanh(c_next)
    return h_next, c_next
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex3_peephole_lstm_step_forward_plain", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""Exercise 3: with P = 0 the peephole cell is exactly the plain LSTM of lesson 03 (helpers.lstm)."""
import numpy as np

import helpers.lstm
from helpers import grading

ex = grading.exercise(3, "peephole_lstm_step_forward")


def like_plain_lstm(N, D, H, seed):
    gen = np.random.default_rng(seed)
    W, U, b = gen.normal(size=(D, 4 * H)), gen.normal(size=(H, 4 * H)), gen.normal(size=4 * H)
    x, h, c = gen.normal(size=(N, D)), gen.normal(size=(N, H)), gen.normal(size=(N, H))
    want_h, want_c, _ = helpers.lstm.lstm_step_forward(x, h, c, W, U, b)
    out = peephole_lstm_step_forward(x, h, c, W, U, np.zeros((3, H)), b)
    ex.equal(len(out), 2, "the number of values returned", hint="return the pair (h_t, c_t), without a cache")
    got_h, got_c = out
    where = f"with P = 0, N, D, H = {N, D, H}"
    ex.close(
        got_c,
        want_c,
        f"c_t {where}",
        atol=1e-10,
        hint="with zero peepholes c_t must equal the plain LSTM's f * c_prev + i * g: check the block order "
        "i, f, c, o (the candidate is the THIRD block, the output gate the fourth)",
    )
    ex.close(
        got_h,
        want_h,
        f"h_t {where}",
        atol=1e-10,
        hint="c_t is right but h_t is not: h_t = o * tanh(c_t), with the tanh",
    )


like_plain_lstm(3, 4, 5, seed=5)
like_plain_lstm(1, 1, 1, seed=6)  # a single example, feature and unit
### BEGIN HIDDEN TESTS
like_plain_lstm(6, 2, 3, seed=211)
like_plain_lstm(2, 5, 5, seed=212)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ex3_peephole_lstm_step_forward_gates", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Exercise 3: i and f peek at c_{t-1}, o peeks at the new c_t; rows of P are p_i, p_f, p_o."""
import numpy as np

import helpers.variants
from helpers import grading

ex = grading.exercise(3, "peephole_lstm_step_forward")


def sig(a):
    return 1.0 / (1.0 + np.exp(-a))


def near(got, value):  # for the hints only: does the answer look like a known mistake?
    try:
        return bool(np.allclose(grading.plain(got, numeric=True), value, atol=1e-6))
    except Exception:  # noqa: BLE001 - not numbers: no diagnosis
        return False


W1, U1, x1, h1 = np.zeros((1, 4)), np.zeros((1, 4)), np.zeros((1, 1)), np.zeros((1, 1))
# (a) only the output peephole, c_{t-1} = 0, candidate tanh(10) ~ 1, i = f = 0.5 -> c_t = 0.5 tanh(10)
c_a_want = 0.5 * np.tanh(10.0)
h_a, c_a = peephole_lstm_step_forward(
    x1, h1, np.zeros((1, 1)), W1, U1, np.array([[0.0], [0.0], [3.0]]), np.array([0.0, 0.0, 10.0, 0.0])
)
ex.close(c_a, c_a_want, "c_t with c_{t-1} = 0", atol=1e-10, hint="c_t = f * c_prev + i * candidate = 0.5 * tanh(10)")
if near(h_a, sig(0.0) * np.tanh(c_a_want)):
    out_hint = "the output gate peeked at c_{t-1} (here 0): it must peek at the NEW cell state c_t (here ~0.5)"
else:
    out_hint = "h_t = o * tanh(c_t) with o = sigmoid(... + p_o * c_t): the output gate peeks at the NEW c_t"
ex.close(
    h_a, sig(3.0 * c_a_want) * np.tanh(c_a_want), "h_t with only the output peephole p_o = 3", atol=1e-10, hint=out_hint
)
# (b) input and forget peepholes with c_{t-1} = 1: i = sig(2 * 1), f = sig(-1 * 1)
h_b, c_b = peephole_lstm_step_forward(
    x1, h1, np.ones((1, 1)), W1, U1, np.array([[2.0], [-1.0], [0.0]]), np.array([0.0, 0.0, 0.5, 0.0])
)
if near(c_b, sig(2.0) * 1.0 + sig(-1.0) * np.tanh(0.5)):
    in_hint = "p_i and p_f look swapped: the rows of P are p_i, p_f, p_o in that order (P[0] for i, P[1] for f)"
else:
    in_hint = (
        "the input and forget gates must peek at the OLD cell state c_{t-1} (here 1), with P[0] = p_i and "
        "P[1] = p_f: i = sigmoid(... + p_i * c_{t-1}), f = sigmoid(... + p_f * c_{t-1})"
    )
ex.close(
    c_b, sig(-1.0) * 1.0 + sig(2.0) * np.tanh(0.5), "c_t with p_i = 2, p_f = -1, c_{t-1} = 1", atol=1e-10, hint=in_hint
)


def against_reference(N, D, H, seed):  # random weights and peepholes
    gen = np.random.default_rng(seed)
    args = (
        gen.normal(size=(N, D)),
        gen.normal(size=(N, H)),
        gen.normal(scale=2, size=(N, H)),
        gen.normal(size=(D, 4 * H)),
        gen.normal(size=(H, 4 * H)),
        gen.normal(scale=2, size=(3, H)),
        gen.normal(size=4 * H),
    )
    want_h, want_c, _ = helpers.variants.peephole_lstm_step_forward(*args)
    got_h, got_c = peephole_lstm_step_forward(*args)
    hint = "i and f peek at c_{t-1} with rows P[0], P[1]; o peeks at the new c_t with P[2]; blocks i, f, c, o"
    ex.close(got_c, want_c, f"c_t with random P, N, D, H = {N, D, H}", atol=1e-10, hint=hint)
    ex.close(got_h, want_h, f"h_t with random P, N, D, H = {N, D, H}", atol=1e-10, hint=hint)


against_reference(2, 3, 4, seed=301)
against_reference(1, 1, 1, seed=302)
### BEGIN HIDDEN TESTS
for n_, d_, h_ in [(4, 3, 5), (1, 2, 1), (3, 1, 2)]:
    against_reference(n_, d_, h_, seed=300 + n_ * h_ + d_)
### END HIDDEN TESTS

# %% [markdown]
# The whole-sequence version is `helpers.variants.peephole_lstm_forward`. With zero peepholes it reproduces
# `keras.layers.LSTM` from its own weights (same packing i, f, c, o); switching the peepholes on changes the
# output, because now the gates react to what is stored:

# %% tags=["demo"]
x_seq = rng.normal(size=(4, 10, 3)).astype("float32")  # (N, T, D)
lstm_layer = keras.layers.LSTM(6, return_sequences=True)
lstm_layer.build((None, 10, 3))
W_l, U_l, b_l = lstm_layer.get_weights()  # (D, 4H), (H, 4H), (4H,), blocks i, f, c, o
h_keras = keras.ops.convert_to_numpy(lstm_layer(x_seq))
h_zero, _ = helpers.variants.peephole_lstm_forward(x_seq, np.zeros((4, 6)), W_l, U_l, np.zeros((3, 6)), b_l)
h_peep, _ = helpers.variants.peephole_lstm_forward(x_seq, np.zeros((4, 6)), W_l, U_l, np.full((3, 6), 2.0), b_l)
print(f"P = 0: max |peephole - keras.layers.LSTM| = {np.abs(h_zero - h_keras).max():.1e}")
print(f"P = 2: max |peephole - keras.layers.LSTM| = {np.abs(h_peep - h_keras).max():.2f}")

# %% [markdown]
# ## Part 3 — Stacked and bidirectional LSTMs in Keras
#
# **Stacking.** A second LSTM layer reads the *sequence* of hidden states of the first, so every layer except the
# last needs `return_sequences=True`. Layer 2's input size is layer 1's H: its parameter count is
# $4H_2(H_1 + H_2 + 1)$.
#
# **Bidirectional.** `keras.layers.Bidirectional(LSTM(H))` runs one LSTM forward in time and an independent copy
# backward, and concatenates the two outputs: the output has 2H features, and there are twice the parameters.
# At step t the backward LSTM has read $x_T, x_{T-1}, \dots, x_t$ — the *future* of step t.

# %% tags=["demo"]
T, D, H1, H2 = 24, 3, 16, 8
stacked = keras.Sequential(
    [
        keras.Input((T, D)),
        keras.layers.LSTM(H1, return_sequences=True),  # (N, T, H1): the whole sequence goes up
        keras.layers.LSTM(H2),  # (N, H2): last step only
    ]
)
bidir = keras.Sequential(
    [
        keras.Input((T, D)),
        keras.layers.Bidirectional(keras.layers.LSTM(H1, return_sequences=True)),  # (N, T, 2*H1)
    ]
)
x_demo = rng.normal(size=(2, T, D)).astype("float32")
print(
    "stacked output",
    tuple(stacked(x_demo).shape),
    " params",
    stacked.count_params(),
    "=",
    helpers.variants.param_count("lstm", D, H1),
    "+",
    helpers.variants.param_count("lstm", H1, H2),
)
print(
    "bidirectional output",
    tuple(bidir(x_demo).shape),
    " params",
    bidir.count_params(),
    "= 2 x",
    helpers.variants.param_count("lstm", D, H1),
)
assert stacked.count_params() == helpers.variants.param_count("lstm", D, H1) + helpers.variants.param_count(
    "lstm", H1, H2
)
assert bidir.count_params() == 2 * helpers.variants.param_count("lstm", D, H1)

# %% [markdown]
# ### A forecaster must not be bidirectional: a measured example
#
# Take random walks $x_{t+1} = x_t + \varepsilon_t$ with $\varepsilon_t \sim \mathcal N(0, 1)$. The increments are
# pure noise, so no honest forecaster of $x_{t+1}$ from $x_1, \dots, x_t$ can beat a mean squared error of 1
# (the best forecast is persistence, $\hat x_{t+1} = x_t$). We train a sequence-to-sequence model that at every
# step t outputs a forecast of $x_{t+1}$ — once with a causal LSTM, once with a bidirectional one. The windows
# hold the whole sequence, so the bidirectional model's backward half sees $x_{t+1}$ when it "forecasts" it.

# %% tags=["demo"]
N_walks, T_walk = 512, 16
walks = np.cumsum(rng.normal(size=(N_walks, T_walk + 1)), axis=1).astype("float32")
x_walk, y_walk = walks[:, :-1, None], walks[:, 1:, None]  # target at step t is x_{t+1}: (N, T, 1)
n_train = 384


def seq_forecaster(bidirectional):
    rnn = keras.layers.LSTM(16, return_sequences=True)
    if bidirectional:
        rnn = keras.layers.Bidirectional(rnn)
    model = keras.Sequential([keras.Input((T_walk, 1)), rnn, keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    return model


val_curves = {}
for name, bidirectional in [("causal LSTM", False), ("bidirectional LSTM", True)]:
    model = seq_forecaster(bidirectional)
    hist = model.fit(
        x_walk[:n_train],
        y_walk[:n_train],
        epochs=25,
        batch_size=128,
        verbose=0,
        validation_data=(x_walk[n_train:], y_walk[n_train:]),
    )
    val_curves[name] = hist.history["val_loss"]
noise_floor = float(np.mean((x_walk[n_train:] - y_walk[n_train:]) ** 2))  # persistence on the validation set
for name, curve in val_curves.items():
    print(f"{name:20s} validation MSE after 25 epochs: {curve[-1]:.3f}")
print(f"{'persistence':20s} validation MSE: {noise_floor:.3f}  (the best any honest forecaster can do)")

# %% tags=["demo"]
fig, ax = plt.subplots()
for name, curve in val_curves.items():
    ax.plot(np.arange(1, len(curve) + 1), curve, label=name)
ax.axhline(noise_floor, color="k", ls="--", lw=1, label="persistence (noise floor)")
ax.set(
    title="Forecasting a random walk: the bidirectional model 'beats' the noise",
    xlabel="epoch",
    ylabel="validation MSE",
    yscale="log",
)
ax.legend()
plt.show()


# %% [markdown] nbgrader={"grade": false, "grade_id": "rubric_written_bidirectional", "locked": true, "schema_version": 3, "solution": false}
# **Question (2 points).** Why does the bidirectional model get a validation error far below the noise floor,
# which no forecaster can reach? When *is* a bidirectional LSTM a sound choice? Answer in two or three sentences.
#
# **Rubric (2 points)**
# - 1 point: the leak: the backward LSTM reads the window from the end, so at step t it has already seen
#   $x_{t+1}$, the very value it is asked to forecast, and copies it; an error below the persistence error
#   (≈ 1, the increments are pure noise) is impossible for an honest forecaster, and at forecast time that
#   future value does not exist. (Saying only "it overfits" or "it has more parameters" earns nothing.)
# - 1 point: a sound use: the whole sequence is known when the prediction is made — classifying or tagging
#   complete sequences (e.g. sentiment, named entities, offline speech recognition, labelling a recorded
#   series) — and never a forecaster, which may read only the past.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written_bidirectional", "locked": false, "points": 2, "schema_version": 3, "solution": true}
# The increments are unpredictable, so an error below the persistence error (≈ 1) is impossible for a real
# forecaster: the bidirectional model cheats. Its backward LSTM reads the window from the end, so at step t it
# has already seen $x_{t+1}$, the very value it is asked to forecast, and simply copies it; at forecast time
# that future value does not exist yet, and the model would fail. Bidirectional layers are sound when the whole
# sequence is known when the prediction is made — classifying or tagging complete sequences (sentiment, named
# entities, offline speech recognition, anomaly labelling of a recorded series) — never for forecasting, where
# only the past may be read (also beware of windows or normalisation statistics that include the future).

# %% [markdown]
# ## Part 4 — ConvLSTM: an LSTM whose weights are convolutions
#
# **Intuition.** For images that change in time (radar maps, video) the state should be an image too. Shi et al.
# (2015) replaced every matrix product of the LSTM by a **convolution**: each pixel's gates look at a
# neighbourhood of the input frame and of the previous hidden-state image.
#
# **Maths.** With $X_t$ of shape (rows, cols, channels), $H_t$ and $C_t$ of shape (rows, cols, filters), and
# $*$ a convolution (`padding="same"` keeps the image size):
#
# $$
# \begin{aligned}
# i_t &= \sigma(W_i * X_t + U_i * H_{t-1} + b_i), \quad f_t = \sigma(W_f * X_t + U_f * H_{t-1} + b_f),\\
# \tilde C_t &= \tanh(W_c * X_t + U_c * H_{t-1} + b_c), \quad o_t = \sigma(W_o * X_t + U_o * H_{t-1} + b_o),\\
# C_t &= f_t \odot C_{t-1} + i_t \odot \tilde C_t, \qquad H_t = o_t \odot \tanh(C_t).
# \end{aligned}
# $$
#
# (Shi et al. also had peepholes; `keras.layers.ConvLSTM2D` leaves them out.) With k×k kernels the layer has
# $4F(k^2 C + k^2 F + 1)$ parameters — independent of the image size, as for any convolution.
#
# Below: 500 tiny videos of a 3×3 square bouncing inside a 12×12 frame. From 8 frames, predict the 9th.


# %% tags=["demo"]
def bouncing_squares(n, T=9, size=12, side=3, rng=rng):
    # (n, T, size, size, 1) videos of a square moving one pixel per frame, bouncing off the walls
    video = np.zeros((n, T, size, size, 1), "float32")
    for k in range(n):
        r, c = rng.integers(0, size - side, size=2)
        dr, dc = rng.choice([-1, 1], size=2)
        for t in range(T):
            video[k, t, r : r + side, c : c + side, 0] = 1.0
            if not 0 <= r + dr <= size - side:
                dr = -dr
            if not 0 <= c + dc <= size - side:
                dc = -dc
            r, c = r + dr, c + dc
    return video


videos = bouncing_squares(500)
x_vid, y_vid = videos[:, :8], videos[:, 8]  # (N, 8, 12, 12, 1) -> (N, 12, 12, 1)
conv_model = keras.Sequential(
    [
        keras.Input((8, 12, 12, 1)),
        keras.layers.ConvLSTM2D(8, kernel_size=3, padding="same"),  # (N, 12, 12, 8)
        keras.layers.Conv2D(1, kernel_size=3, padding="same", activation="sigmoid"),  # (N, 12, 12, 1)
    ]
)
conv_model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
assert conv_model.layers[0].count_params() == 4 * 8 * (3 * 3 * 1 + 3 * 3 * 8 + 1)
conv_hist = conv_model.fit(
    x_vid[:400], y_vid[:400], epochs=12, batch_size=16, verbose=0, validation_data=(x_vid[400:], y_vid[400:])
)
pred_vid = conv_model.predict(x_vid[400:], verbose=0)
on_pred, on_true = pred_vid > 0.5, y_vid[400:] > 0.5
print(
    f"ConvLSTM: {conv_model.count_params()} parameters, validation loss "
    f"{conv_hist.history['val_loss'][0]:.3f} -> {conv_hist.history['val_loss'][-1]:.3f}"
)
print(f"intersection over union of the predicted square: {(on_pred & on_true).sum() / (on_pred | on_true).sum():.2f}")

# %% tags=["demo"]
fig, axes = plt.subplots(3, 6, figsize=(9, 4.8))
for row, k in enumerate([0, 1, 2]):
    frames = [x_vid[400 + k, t, :, :, 0] for t in range(4, 8)] + [y_vid[400 + k, :, :, 0], pred_vid[k, :, :, 0]]
    titles = [f"input t={t + 1}" for t in range(4, 8)] + ["true t=9", "predicted t=9"]
    for col, (frame, title) in enumerate(zip(frames, titles)):
        ax = axes[row, col]
        ax.imshow(frame, cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        if row == 0:
            ax.set_title(title, fontsize=9)
    axes[row, 0].set_ylabel(f"video {k + 1}")
fig.suptitle("ConvLSTM next-frame prediction (last 4 of 8 input frames, truth, prediction)")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Part 5 — xLSTM's sLSTM: exponential gates, a normaliser and a stabiliser
#
# **Intuition.** A sigmoid input gate can only write with a weight in (0, 1), and once something is stored, a
# later, more important input cannot easily overrule it. Beck et al. (2024) give the sLSTM an **exponential**
# input gate: a very relevant input can write with a huge weight and dominate what was stored before. To keep
# the output bounded, the cell also accumulates a **normaliser** $n_t$ — the total gate weight written so far —
# and outputs the weighted *average* $c_t / n_t$.
#
# **Maths** (the paper's sLSTM, single head; pre-activations written with a tilde, blocks packed i, f, z, o):
#
# $$
# \begin{aligned}
# \tilde\imath_t, \tilde f_t, \tilde z_t, \tilde o_t &= \text{blocks of } W x_t + U h_{t-1} + b\\
# i_t &= \exp(\tilde\imath_t), \qquad f_t = \exp(\tilde f_t) \ \text{ or } \ \sigma(\tilde f_t), \qquad
# z_t = \tanh(\tilde z_t), \qquad o_t = \sigma(\tilde o_t)\\
# c_t &= f_t \odot c_{t-1} + i_t \odot z_t, \qquad n_t = f_t \odot n_{t-1} + i_t, \qquad h_t = o_t \odot \frac{c_t}{n_t}
# \end{aligned}
# $$
#
# **The problem.** `exp` overflows: in float64 `exp(710)` is already `inf` (in float32, `exp(89)`), and then
# $c_t / n_t = \infty / \infty$ is `nan`. **The fix: a stabiliser state** $m_t$, a running maximum in log space:
#
# $$
# \begin{aligned}
# m_t &= \max\big(\log f_t + m_{t-1},\ \log i_t\big) \qquad (\log i_t = \tilde\imath_t;\ \log f_t = \tilde f_t \text{ or } \log\sigma(\tilde f_t))\\
# i'_t &= \exp(\log i_t - m_t), \qquad f'_t = \exp(\log f_t + m_{t-1} - m_t)
# \end{aligned}
# $$
#
# and $c_t, n_t$ are computed with $i'_t, f'_t$ in place of $i_t, f_t$ (starting from $c_0 = n_0 = m_0 = 0$).
# Both exponents are $\le 0$, so $i'_t, f'_t \in (0, 1]$ and nothing overflows. Nothing changes either: by
# induction the stabilised states are the raw ones times $e^{-m_t}$, and the factor cancels in $c_t / n_t$.
#
# First the overflow itself:

# %% tags=["demo"]
with np.errstate(over="ignore", invalid="ignore"):
    print("exp(100)            =", np.exp(100.0))
    print("exp(1000)           =", np.exp(1000.0))
    print("exp(1000)/exp(1000) =", np.exp(1000.0) / np.exp(1000.0), " <- what c_t / n_t becomes")
    print("float32: exp(89)    =", np.exp(np.float32(89.0)))


# %% [markdown]
# ## Exercise 4 — The stabilised sLSTM step (3 points)
#
# Implement one stabilised sLSTM step with an **exponential** forget gate ($\log f_t = \tilde f_t$), blocks
# packed in the order i, f, z, o. Never call `exp` on a raw pre-activation: only on the differences that define
# $i'_t$ and $f'_t$. Return $h_t$, the stabilised $c_t$ and $n_t$, and $m_t$.
#
# **What is graded.** The arguments are float64 NumPy arrays of the shapes in the docstring; N, D and H may each
# be 1, and the incoming states may be anything an sLSTM produces: $n_{t-1} > 0$, and $m_{t-1}$ large
# (hundreds, of either sign). Return the four arrays `(h_t, c_t, n_t, m_t)` (a tuple or a list), each of shape
# (N, H). The tests check:
#
# - stepping from $h_0 = c_0 = n_0 = m_0 = 0$ over a sequence (your outputs fed back in) gives the raw sLSTM's
#   $h_t$ at every step, to $10^{-8}$ relative (plus $10^{-10}$ absolute);
# - $m_t = \max(\tilde f_t + m_{t-1}, \tilde\imath_t)$ to $10^{-10}$ (absolute and relative), and $h_t, c_t, n_t$
#   equal the exact stabilised values to $10^{-9}$ relative (plus $10^{-12}$ absolute);
# - a step with $\tilde\imath_t \approx 1000$ runs under `np.errstate(over="raise", invalid="raise")`: there an
#   overflow (or `inf / inf`) is an error, not a warning; every output must be finite and $|h_t| \le 1$. (An
#   `exp` of a very negative number that rounds to 0 is fine.)


# %% nbgrader={"grade": false, "grade_id": "ex4_slstm_step_forward", "locked": false, "schema_version": 3, "solution": true}
def slstm_step_forward(x_t, h_prev, c_prev, n_prev, m_prev, W, U, b):
    """One stabilised sLSTM step (xLSTM), exponential input and forget gates.

    Args:
        x_t: input at step t, shape (N, D), float64 (N, D may be 1).
        h_prev: previous hidden state, shape (N, H) (H may be 1).
        c_prev: previous stabilised cell state, shape (N, H).
        n_prev: previous stabilised normaliser state, shape (N, H).
        m_prev: previous stabiliser state, shape (N, H) (may be large, of either sign).
        W: input weights, shape (D, 4H), blocks i, f, z, o.
        U: recurrent weights, shape (H, 4H), blocks i, f, z, o.
        b: biases, shape (4H,), blocks i, f, z, o.

    Returns:
        h_t, c_t, n_t, m_t: each an array of shape (N, H), all finite; m_t = max(f~_t + m_{t-1}, i~_t).
    """
    H = h_prev.shape[1]
    ### BEGIN SOLUTION
    pre = x_t @ W + h_prev @ U + b  # (N, 4H) blocks i, f, z, o
    log_i, log_f = pre[:, :H], pre[:, H : 2 * H]  # exponential gates: log i = i~, log f = f~
    m_next = np.maximum(log_f + m_prev, log_i)
    i_stab = np.exp(log_i - m_next)
    f_stab = np.exp(log_f + m_prev - m_next)
    z_in = np.tanh(pre[:, 2 * H : 3 * H])
    o_out = 1.0 / (1.0 + np.exp(-pre[:, 3 * H :]))
    c_next = f_stab * c_prev + i_stab * z_in
    n_next = f_stab * n_prev + i_stab
    return o_out * c_next / n_next, c_next, n_next, m_next
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ex4_slstm_step_forward_unstabilised", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""Exercise 4: on moderate inputs the stabilised step gives the same h_t as the raw sLSTM equations."""
import numpy as np

import helpers.variants
from helpers import grading

ex = grading.exercise(4, "slstm_step_forward")


def like_raw(N, T, D, H, seed, scale=0.5):
    gen = np.random.default_rng(seed)
    W = gen.normal(scale=scale, size=(D, 4 * H))
    U = gen.normal(scale=scale, size=(H, 4 * H))
    b = gen.normal(scale=scale, size=4 * H)
    x = gen.normal(size=(N, T, D))
    h_raw, _ = helpers.variants.slstm_forward(x, np.zeros((N, H)), W, U, b, forget_gate="exp", stabilised=False)
    state = [np.zeros((N, H))] * 4  # h_0 = c_0 = n_0 = m_0 = 0
    for t in range(T):
        out = slstm_step_forward(x[:, t], *state, W, U, b)
        ex.equal(len(out), 4, "the number of values returned", hint="return h_t, c_t, n_t, m_t, in that order")
        state = list(out)
        ex.close(
            state[0],
            h_raw[:, t],
            f"h_t at step {t} (N, T, D, H = {N, T, D, H})",
            rtol=1e-8,
            atol=1e-10,
            hint="h_t differs from the raw equations; the stabiliser must cancel in c_t / n_t: "
            "f'_t = exp(f~_t + m_{t-1} - m_t), i'_t = exp(i~_t - m_t), blocks i, f, z, o, "
            "an exponential forget gate (log f_t = f~_t), h_t = o_t * c_t / n_t",
        )


like_raw(3, 10, 2, 4, seed=8)
like_raw(1, 6, 1, 1, seed=9, scale=1.0)  # one example, one feature, one unit
### BEGIN HIDDEN TESTS
like_raw(1, 25, 1, 1, seed=404, scale=1.0)
like_raw(2, 15, 3, 2, seed=405)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ex4_slstm_step_forward_stabiliser", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""Exercise 4: the stabiliser m_t = max(log f_t + m_{t-1}, log i_t) and finite outputs where exp overflows."""
import numpy as np

import helpers.variants
from helpers import grading

ex = grading.exercise(4, "slstm_step_forward")


def near(got, value):  # for the hints only: does the answer look like a known mistake?
    try:
        return bool(np.allclose(grading.plain(got, numeric=True), value, rtol=1e-6, atol=1e-9))
    except Exception:  # noqa: BLE001 - not numbers: no diagnosis
        return False


rng_m = np.random.default_rng(9)
N, D, H = 2, 3, 4
W_m, U_m, b_m = rng_m.normal(size=(D, 4 * H)), rng_m.normal(size=(H, 4 * H)), rng_m.normal(size=4 * H)
x_m, h_m = rng_m.normal(size=(N, D)), rng_m.normal(size=(N, H))
c_m, n_m, m_m = rng_m.normal(size=(N, H)), rng_m.uniform(0.5, 2.0, size=(N, H)), rng_m.normal(scale=5.0, size=(N, H))
# (a) i~ ~ 1000: exp(1000) = inf without the stabiliser; here an overflow is an error
b_big = b_m.copy()
b_big[:H] += 1000.0
zeros = np.zeros((N, H))
OVERFLOW_HINT = (
    "exp of a raw pre-activation overflowed (exp(1000) = inf, then inf / inf = nan): without the stabiliser "
    "the sLSTM is not finite. Compute m_t = max(f~_t + m_{t-1}, i~_t) first and call exp only on "
    "i~_t - m_t and f~_t + m_{t-1} - m_t (both <= 0)"
)
try:
    with np.errstate(over="raise", invalid="raise"):
        big = slstm_step_forward(x_m, h_m, zeros, zeros, zeros, W_m, U_m, b_big)
except FloatingPointError as exc:
    ex.true(
        False, "the step with i~ ~ 1000", hint=OVERFLOW_HINT, expected="no overflow", got=f"FloatingPointError: {exc}"
    )
ex.equal(len(big), 4, "the number of values returned", hint="return h_t, c_t, n_t, m_t, in that order")
for name, value in zip(("h_t", "c_t", "n_t", "m_t"), big):
    ex.true(
        bool(np.isfinite(grading.plain(value, numeric=True)).all()),
        f"{name} with i~ ~ 1000",
        hint=OVERFLOW_HINT,
        expected="finite values",
        got="inf or nan",
    )
ex.true(
    bool(np.abs(grading.plain(big[0], numeric=True)).max() <= 1.0),
    "|h_t| with i~ ~ 1000",
    hint="|h_t| = |o_t * c_t / n_t| <= 1, since c_t / n_t is an average of tanh values",
    expected="|h_t| <= 1",
    got=f"max |h_t| = {np.abs(grading.plain(big[0], numeric=True)).max():.4g}",
)
# (b) the stabiliser from a nonzero m_{t-1}
pre_m = x_m @ W_m + h_m @ U_m + b_m
out = slstm_step_forward(x_m, h_m, c_m, n_m, m_m, W_m, U_m, b_m)
m_got = out[3]
if near(m_got, np.maximum(pre_m[:, H : 2 * H], pre_m[:, :H])):
    m_hint = "m_t dropped m_{t-1}: the running maximum is m_t = max(f~_t + m_{t-1}, i~_t)"
elif near(m_got, np.maximum(-np.logaddexp(0.0, -pre_m[:, H : 2 * H]) + m_m, pre_m[:, :H])):
    m_hint = "that is a sigmoid forget gate (log f_t = log sigmoid(f~_t)): this exercise uses the exponential one, log f_t = f~_t"
elif near(m_got, 0.0):
    m_hint = "m_t is the stabiliser, a running maximum in log space, not 0: m_t = max(f~_t + m_{t-1}, i~_t)"
else:
    m_hint = "m_t must be max(log f_t + m_{t-1}, log i_t) with log f_t = f~_t and log i_t = i~_t, blocks i, f, z, o"
ex.close(m_got, np.maximum(pre_m[:, H : 2 * H] + m_m, pre_m[:, :H]), "m_t", rtol=1e-10, atol=1e-10, hint=m_hint)
STATE_HINT = (
    "m_t is right but the states are not: f'_t = exp(f~_t + m_{t-1} - m_t) (keep m_{t-1}), i'_t = exp(i~_t - m_t), "
    "c_t = f'_t c_{t-1} + i'_t z_t, n_t = f'_t n_{t-1} + i'_t, h_t = o_t c_t / n_t"
)


def against_reference(args, what):
    want = helpers.variants.slstm_step_forward(*args)[:4]
    got = slstm_step_forward(*args)
    ex.close(got[3], want[3], f"m_t ({what})", rtol=1e-10, atol=1e-10, hint=m_hint)
    for name, k in (("c_t", 1), ("n_t", 2), ("h_t", 0)):
        ex.close(got[k], want[k], f"{name} ({what})", rtol=1e-9, atol=1e-12, hint=STATE_HINT)


against_reference((x_m, h_m, c_m, n_m, m_m, W_m, U_m, b_m), "m_{t-1} of scale 5")
gen = np.random.default_rng(501)
against_reference(
    (
        gen.normal(size=(3, 2)),
        gen.normal(size=(3, 3)),
        gen.normal(size=(3, 3)),
        gen.uniform(0.1, 3, size=(3, 3)),
        gen.normal(scale=50, size=(3, 3)),  # a large m_{t-1}, of either sign
        gen.normal(scale=3, size=(2, 12)),
        gen.normal(size=(3, 12)),
        gen.normal(size=12),
    ),
    "m_{t-1} of scale 50",
)
# (c) one unit with m_{t-1} = 900 and all pre-activations 0: m_t = max(0 + 900, 0) = 900, all finite
one = np.ones((1, 1))
huge = slstm_step_forward(
    np.zeros((1, 1)), 0 * one, one, one, 900 * one, np.zeros((1, 4)), np.zeros((1, 4)), np.zeros(4)
)
ex.close(huge[3], 900.0 * one, "m_t with m_{t-1} = 900", atol=1e-9, hint=m_hint)
for name, value, want in zip(("h_t", "c_t", "n_t"), huge[:3], (0.5 * one, one, one)):
    ex.close(value, want, f"{name} with m_{{t-1}} = 900", atol=1e-9, hint=STATE_HINT)
### BEGIN HIDDEN TESTS
for n_, d_, h_ in [(1, 1, 1), (5, 2, 3)]:
    gen = np.random.default_rng(500 + n_ * h_)
    against_reference(
        (
            gen.normal(size=(n_, d_)),
            gen.normal(size=(n_, h_)),
            gen.normal(size=(n_, h_)),
            gen.uniform(0.1, 3, size=(n_, h_)),
            gen.normal(scale=50, size=(n_, h_)),
            gen.normal(scale=3, size=(d_, 4 * h_)),
            gen.normal(size=(h_, 4 * h_)),
            gen.normal(size=4 * h_),
        ),
        f"N, D, H = {n_, d_, h_}",
    )
huge_neg = slstm_step_forward(
    np.zeros((1, 1)), 0 * one, one, one, -900 * one, np.zeros((1, 4)), np.zeros((1, 4)), np.zeros(4)
)
ex.close(huge_neg[3], 0 * one, "m_t with m_{t-1} = -900", atol=1e-9, hint=m_hint)
ex.close(huge_neg[0], 0.5 * np.tanh(0.0) * one, "h_t with m_{t-1} = -900", atol=1e-9, hint=STATE_HINT)
ex.close(huge_neg[2], one, "n_t with m_{t-1} = -900", atol=1e-9, hint=STATE_HINT)
### END HIDDEN TESTS

# %% [markdown]
# ### Watching the raw sLSTM blow up
#
# One unit, an input gate whose pre-activation grows by 15 per step ($\tilde\imath_t = 15t$, exponential forget
# gate with $\tilde f_t = 0$, i.e. $f_t = 1$) and a cell input $z_t = \tanh(2\sin(t/3))$. Since recent inputs get
# exponentially larger gates, $h_t$ tracks the latest $z_t$. The raw equations overflow once $15t > 709$:

# %% tags=["demo"]
T_s = 60
t_axis = np.arange(1, T_s + 1, dtype=float)
x_grow = np.stack([t_axis, np.sin(t_axis / 3)], axis=-1)[None]  # (1, T, 2)
W_grow = np.zeros((2, 4))  # blocks i, f, z, o with H = 1
W_grow[0, 0] = 15.0  # i~_t = 15 t
W_grow[1, 2] = 2.0  # z~_t = 2 sin(t / 3)
b_grow = np.array([0.0, 0.0, 0.0, 10.0])  # o_t ~ 1
h_stab, states = helpers.variants.slstm_forward(x_grow, np.zeros((1, 1)), W_grow, np.zeros((1, 4)), b_grow)
h_raw, _ = helpers.variants.slstm_forward(x_grow, np.zeros((1, 1)), W_grow, np.zeros((1, 4)), b_grow, stabilised=False)
first_nan = int(np.argmax(~np.isfinite(h_raw[0, :, 0]))) + 1
print(
    f"raw sLSTM: first non-finite h_t at t = {first_nan} (15 t = {15 * first_nan});",
    f"stabilised: all finite = {np.isfinite(h_stab).all()}, max m_t = {states['m'].max():.0f}",
)
print("largest |h_stab - h_raw| before the overflow:", f"{np.abs(h_stab - h_raw)[0, : first_nan - 1].max():.1e}")

fig, ax = plt.subplots()
ax.plot(t_axis, h_stab[0, :, 0], label="stabilised sLSTM", lw=3, alpha=0.5)
ax.plot(t_axis, h_raw[0, :, 0], "--", label="raw sLSTM (nan after overflow)")
ax.plot(t_axis, np.tanh(2 * np.sin(t_axis / 3)), ":", color="gray", label=r"$z_t$")
ax.axvline(first_nan, color="k", lw=1)
ax.set(title="sLSTM with a growing input gate: the stabiliser keeps h_t finite", xlabel="time step t", ylabel=r"$h_t$")
ax.legend(loc="lower left")
plt.show()

# %% [markdown]
# ## Part 6 — The family at a glance
#
# The parameter counts for D = 8 inputs and H = 32 units, computed (and checked against Keras where Keras has
# the layer):

# %% tags=["demo"]
cells = {"rnn": "SimpleRNN", "lstm": "LSTM", "peephole": None, "gru": "GRU", "slstm": None}
for cell, keras_name in cells.items():
    n = helpers.variants.param_count(cell, 8, 32)
    if keras_name:
        layer = getattr(keras.layers, keras_name)(32)
        layer.build((None, 10, 8))
        assert layer.count_params() == n, cell
    print(f"{cell:9s} {n:6d}" + (f"   (= keras.layers.{keras_name}(32).count_params())" if keras_name else ""))

# %% [markdown]
# | cell | gates | parameters (formula) | D = 8, H = 32 | strengths | typical uses |
# | --- | --- | --- | --- | --- | --- |
# | RNN | none (one tanh) | $H(D + H + 1)$ | 1,312 | smallest, fastest | short contexts, baselines |
# | LSTM | $i, f, o$ + candidate; state $h, c$ | $4H(D + H + 1)$ | 5,248 | additive cell state: long memory, gradients flow | the robust default for sequences and forecasting |
# | peephole LSTM | $i, f$ see $c_{t-1}$, $o$ sees $c_t$ | $4H(D + H + 1) + 3H$ | 5,344 | gates know what is stored: precise timing and counting | timing tasks; rarely better on ordinary data |
# | GRU | $z, r$; state $h$ only | $3H(D + H + 2)$ (Keras, `reset_after`); $3H(D+H+1)$ | 4,032 | ¾ of the LSTM's size and work, often as accurate | small data, latency or memory limits, a second candidate |
# | sLSTM (xLSTM) | $i = \exp$, $f = \exp$ or $\sigma$, $o$; states $h, c, n, m$ | $4H(D + H + 1)$ (one head) | 5,248 | can overrule stored content; normalised, stabilised state | xLSTM blocks for language modelling and large sequence models |
#
# (The xLSTM paper uses block-diagonal, multi-head recurrent matrices, which cut the $4H^2$ recurrent part by the
# number of heads.)

# %% [markdown]
# ## Key takeaways
#
# - A **GRU** has one state and two gates; Keras' GRU keeps $z_t$ of the old state and, by default
#   (`reset_after=True`), resets *after* the recurrent product, which needs a second bias vector: $3H(D + H + 2)$
#   parameters against the LSTM's $4H(D + H + 1)$.
# - Porting weights between libraries or papers means matching the **block order** (LSTM i, f, c, o; GRU z, r, h),
#   the **sign convention** of $z_t$ and the **reset placement** — test against the library on random weights.
# - **Peepholes** let the gates see the cell: $i_t, f_t$ see $c_{t-1}$, $o_t$ sees the new $c_t$; with $P = 0$
#   you get the plain LSTM back.
# - **Stacking** needs `return_sequences=True` below; **bidirectional** doubles outputs and parameters and reads
#   the future — fine for labelling complete sequences, a leak in any forecaster (an error below the noise floor
#   is the tell-tale sign).
# - **ConvLSTM** swaps matrix products for convolutions, so the states are images.
# - **sLSTM** uses exponential gates with a normaliser $n_t$; the stabiliser $m_t$ keeps every `exp` argument
#   $\le 0$ and cancels exactly in $h_t = o_t \odot c_t / n_t$.
#
# ## What's next
#
# This is the last lesson of the course. From here: xLSTM's other cell, the **mLSTM** (a matrix memory
# $C_t \in \mathbb{R}^{H \times H}$ written with outer products, trainable in parallel like attention); attention
# and Transformers, which drop recurrence altogether; and, practically, go back to lessons 06 and 07 and swap
# the LSTM for a GRU or a stacked LSTM — with the honest baselines of lesson 07 as the referee.
