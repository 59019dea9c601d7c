"""helpers.gru against keras.layers.GRU (reset_after True and False), parameter counts, errors."""

import numpy as np
import pytest

from helpers.gru import gru_forward, gru_param_count, gru_step_forward

SHAPES = [(3, 5, 4, 6), (1, 1, 2, 3), (2, 7, 1, 8)]  # (N, T, D, H)


@pytest.fixture(scope="module")
def keras():
    from helpers.env import quiet_tensorflow

    quiet_tensorflow()
    import keras

    return keras


def _keras_gru(keras, D, H, reset_after, rng, T=3):
    layer = keras.layers.GRU(H, return_sequences=True, reset_after=reset_after)
    layer.build((None, T, D))
    weights = [rng.normal(scale=0.8, size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return layer, weights


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_gru_forward_matches_keras(keras, reset_after, N, T, D, H):
    rng = np.random.default_rng(N * 100 + T * 10 + D + H)
    layer, (W, U, b) = _keras_gru(keras, D, H, reset_after, rng, T)
    x = rng.normal(size=(N, T, D)).astype("float32")
    h_keras = np.asarray(layer(x))
    h, cache = gru_forward(x, np.zeros((N, H), "float32"), W, U, b, reset_after=reset_after)
    assert h.shape == (N, T, H)
    assert len(cache) == T
    np.testing.assert_allclose(h, h_keras, atol=1e-5, rtol=0)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_step_matches_keras_from_a_nonzero_state(keras, reset_after):
    rng = np.random.default_rng(7)
    N, D, H = 4, 3, 5
    layer = keras.layers.GRU(H, reset_after=reset_after)
    layer.build((None, 1, D))
    W, U, b = [rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights([W, U, b])
    x = rng.normal(size=(N, 1, D)).astype("float32")
    h0 = rng.normal(size=(N, H)).astype("float32")
    h_keras = np.asarray(layer(x, initial_state=[h0]))
    h_t, _ = gru_step_forward(x[:, 0], h0, W, U, b, reset_after=reset_after)
    np.testing.assert_allclose(h_t, h_keras, atol=1e-5, rtol=0)


def test_reset_after_differs_from_reset_before():
    """The two variants are different functions once the recurrent weights are non-zero."""
    rng = np.random.default_rng(0)
    N, D, H = 2, 3, 4
    x, h0 = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    W, U = rng.normal(size=(D, 3 * H)), rng.normal(size=(H, 3 * H))
    b = np.zeros(3 * H)
    h_after, _ = gru_step_forward(x, h0, W, U, np.stack([b, b]), reset_after=True)
    h_before, _ = gru_step_forward(x, h0, W, U, b, reset_after=False)
    assert np.abs(h_after - h_before).max() > 1e-3


def test_update_gate_convention():
    """Keras: h_t = z h_{t-1} + (1 - z) hh_t, so z -> 1 keeps the old state."""
    N, D, H = 2, 3, 4
    x, h0 = np.ones((N, D)), np.full((N, H), 0.7)
    W, U = np.zeros((D, 3 * H)), np.zeros((H, 3 * H))
    b = np.zeros((2, 3 * H))
    b[0, :H] = 50.0  # z ~ 1
    b[0, 2 * H :] = 5.0  # candidate ~ 1
    h_t, _ = gru_step_forward(x, h0, W, U, b)
    np.testing.assert_allclose(h_t, h0, atol=1e-6)
    b[0, :H] = -50.0  # z ~ 0: take the candidate
    h_t, _ = gru_step_forward(x, h0, W, U, b)
    np.testing.assert_allclose(h_t, np.tanh(5.0), atol=1e-6)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("D,H", [(1, 1), (8, 32), (3, 17)])
def test_param_count_matches_keras(keras, reset_after, D, H):
    layer = keras.layers.GRU(H, reset_after=reset_after)
    layer.build((None, 5, D))
    assert gru_param_count(D, H, reset_after) == layer.count_params()


def test_param_count_formula():
    assert gru_param_count(8, 32) == 3 * 32 * (8 + 32 + 2) == 4032
    assert gru_param_count(8, 32, reset_after=False) == 3936


@pytest.mark.parametrize(
    "args, match",
    [
        ((np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((3, 10)), np.zeros((4, 12)), np.zeros((2, 12))), "W"),
        ((np.zeros((2, 5)), np.zeros((2, 4)), np.zeros((3, 12)), np.zeros((4, 12)), np.zeros((2, 12))), "x_t"),
        ((np.zeros((2, 3)), np.zeros((3, 4)), np.zeros((3, 12)), np.zeros((4, 12)), np.zeros((2, 12))), "h_prev"),
        ((np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((3, 12)), np.zeros((4, 8)), np.zeros((2, 12))), "U"),
        ((np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((3, 12)), np.zeros((4, 12)), np.zeros(12)), "b"),
    ],
)
def test_step_errors(args, match):
    with pytest.raises(ValueError, match=f"`{match}` must have shape.*Received"):
        gru_step_forward(*args)


def test_reset_before_wants_one_bias_vector():
    with pytest.raises(ValueError, match=r"`b` must have shape \(3H\).*Received: b.shape=\(2, 12\)"):
        gru_step_forward(
            np.zeros((2, 3)),
            np.zeros((2, 4)),
            np.zeros((3, 12)),
            np.zeros((4, 12)),
            np.zeros((2, 12)),
            reset_after=False,
        )


def test_forward_errors():
    W, U, b = np.zeros((3, 12)), np.zeros((4, 12)), np.zeros((2, 12))
    with pytest.raises(ValueError, match=r"`x` must have shape \(N, T, D\)"):
        gru_forward(np.zeros((2, 3)), np.zeros((2, 4)), W, U, b)
    with pytest.raises(ValueError, match="`h0` must have shape"):
        gru_forward(np.zeros((2, 5, 3)), np.zeros((3, 4)), W, U, b)
    with pytest.raises(ValueError, match="`H` must be an integer >= 1. Received: H=0"):
        gru_param_count(3, 0)
