"""Synthetic long-lag tasks: problems that can only be solved by remembering something k steps back.

Two tasks, both seeded and generated in NumPy (no downloads):

* :func:`make_negation_task` — token sentences like "the movie I watched last year was **not** ... **good**":
  a modifier ("not" or "very") sits exactly ``lag`` tokens before the final word ("good" or "bad"), with
  neutral filler words in between. The label is the sentence's sentiment, so a model must still know
  the modifier when it reads the last word.
* :func:`adding_problem` — Hochreiter & Schmidhuber (1997): add the two numbers that are marked in a long
  sequence of random numbers.

:func:`first_lag_at_chance` reads an accuracy-versus-lag table measured on such a task.
NumPy only: importing this module does not import TensorFlow.
"""

from __future__ import annotations

import numpy as np

from helpers._checks import check_array, check_positive_int

#: Token ids of the negation task. 0-3 carry meaning, 4.. are neutral filler words.
VOCAB: tuple[str, ...] = (
    "not",
    "very",
    "bad",
    "good",
    "the",
    "movie",
    "I",
    "watched",
    "last",
    "year",
    "was",
    "it",
    "plot",
    "film",
    "and",
    "so",
)
NOT, VERY, BAD, GOOD = 0, 1, 2, 3
FIRST_FILLER = 4
VOCAB_SIZE = len(VOCAB)


def make_negation_task(n: int, lag: int, *, prefix: int = 4, flip: bool = True, seed: int = 0):
    """Make ``n`` token sentences whose sentiment depends on a modifier ``lag`` tokens before the end.

    Layout of one sentence of length ``T = prefix + lag + 1`` (positions 0 .. T-1)::

        filler * prefix | modifier | filler * (lag - 1) | final word
                          T-1-lag                        T-1

    The modifier is ``"not"`` (id 0) or ``"very"`` (id 1); the final word is ``"bad"`` (2) or ``"good"`` (3);
    every other token is a neutral filler word (ids 4 .. 15) drawn uniformly. The label is 1 (positive)
    for "very good" and "not bad", 0 (negative) for "very bad" and "not good". Neither the modifier nor
    the final word alone says anything about the label (each combination has probability 1/4), so a model
    must carry the modifier across ``lag`` steps: chance accuracy is 0.5.

    With ``flip=False`` the final word is always "good" and the label is simply "was the modifier 'very'?":
    a pure memory task (no interaction to learn).

    Args:
        n: number of sentences N (>= 1).
        lag: distance k >= 1 from the modifier to the final word, in steps.
        prefix: number of filler tokens before the modifier (>= 0).
        flip: if False, the final word is always "good" (pure memory variant).
        seed: seed of the NumPy generator; the same arguments give the same data.

    Returns:
        ``(tokens, labels)``: ``tokens`` int64 of shape (N, T) with ``T = prefix + lag + 1``,
        ``labels`` int64 of shape (N,) with values 0/1.

    Raises:
        ValueError: if ``n`` or ``lag`` is not an integer >= 1 or ``prefix`` is negative.
    """
    n = check_positive_int(n, "n")
    lag = check_positive_int(lag, "lag")
    prefix = check_positive_int(prefix, "prefix", minimum=0)
    rng = np.random.default_rng(seed)
    T = prefix + lag + 1
    tokens = rng.integers(FIRST_FILLER, VOCAB_SIZE, size=(n, T), dtype=np.int64)
    modifier = rng.integers(NOT, VERY + 1, size=n)
    word = rng.integers(BAD, GOOD + 1, size=n) if flip else np.full(n, GOOD)
    tokens[:, T - 1 - lag] = modifier
    tokens[:, T - 1] = word
    return tokens, negation_labels(tokens, lag)


def negation_labels(tokens, lag: int) -> np.ndarray:
    """Return the sentiment of each sentence of :func:`make_negation_task`, read from its tokens.

    The modifier is at position ``T - 1 - lag`` (``lag`` steps before the last token), the final word at
    ``T - 1``. Positive (1) for "very good" or "not bad", negative (0) for "very bad" or "not good".

    Args:
        tokens: int array of shape (N, T) with ``T >= lag + 1``.
        lag: distance k >= 1 from the modifier to the final word.

    Returns:
        int64 array of shape (N,) with values 0/1.

    Raises:
        ValueError: if ``tokens`` is not 2-D, is shorter than ``lag + 1`` or holds no modifier/final word
            at those positions.

    Defined in lesson 06, Exercise 1 (lessons/06-long-memory/long_memory.ipynb).
    """
    tokens = check_array(tokens, "tokens", (None, None), dims="(N, T)")
    lag = check_positive_int(lag, "lag")
    T = tokens.shape[1]
    if T < lag + 1:
        raise ValueError(
            f"`tokens` must have at least lag + 1 = {lag + 1} time steps. Received: tokens.shape={tokens.shape}"
        )
    modifier, word = tokens[:, T - 1 - lag], tokens[:, T - 1]
    if not np.isin(modifier, (NOT, VERY)).all() or not np.isin(word, (BAD, GOOD)).all():
        raise ValueError(
            "`tokens` must hold 'not'/'very' (ids 0/1) at position T-1-lag and 'bad'/'good' (ids 2/3) at "
            f"position T-1. Received: lag={lag}, tokens[:, T-1-lag]={modifier[:5]}..., tokens[:, -1]={word[:5]}..."
        )
    return ((modifier == VERY) == (word == GOOD)).astype(np.int64)


def decode(tokens) -> list[str]:
    """Turn token rows into readable sentences, e.g. ``"the movie was not ... good"``.

    Args:
        tokens: int array of shape (N, T) or (T,).

    Returns:
        A list of N strings (one for a 1-D input).
    """
    tokens = np.atleast_2d(np.asarray(tokens))
    return [" ".join(VOCAB[int(t)] for t in row) for row in tokens]


def adding_problem(n: int, T: int, *, seed: int = 0):
    """Make the adding problem of Hochreiter & Schmidhuber (1997).

    Each sequence has two features per step: a random number in [0, 1) and a marker that is 1 at exactly
    two steps (one in the first half, one in the second half) and 0 elsewhere. The target is the sum of
    the two marked numbers. Always predicting 1 gives a mean squared error of about 1/6.

    Args:
        n: number of sequences N (>= 1).
        T: sequence length (>= 2).
        seed: seed of the NumPy generator.

    Returns:
        ``(x, y)``: ``x`` float32 of shape (N, T, 2), ``y`` float32 of shape (N,).

    Raises:
        ValueError: if ``n < 1`` or ``T < 2``.
    """
    n = check_positive_int(n, "n")
    T = check_positive_int(T, "T", minimum=2)
    rng = np.random.default_rng(seed)
    values = rng.random((n, T))
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    marks = np.zeros((n, T))
    marks[np.arange(n), first] = 1.0
    marks[np.arange(n), second] = 1.0
    x = np.stack([values, marks], axis=-1).astype(np.float32)
    y = (values[np.arange(n), first] + values[np.arange(n), second]).astype(np.float32)
    return x, y


def first_lag_at_chance(table, model: str, chance: float = 0.5, tol: float = 0.05):
    """Return the smallest lag at which ``model``'s accuracy is no better than chance.

    "At chance" means ``accuracy <= chance + tol``. Lags are compared as numbers, whatever order the
    table lists them in.

    Args:
        table: accuracies by model and lag: a dict ``{model: {lag: accuracy}}`` or a pandas DataFrame
            with the lags as index and one column per model.
        model: the model's name, a key (column) of ``table``.
        chance: accuracy of guessing (0.5 for two balanced classes).
        tol: how far above ``chance`` still counts as chance.

    Returns:
        The lag (as stored in the table), or ``None`` if every lag is above ``chance + tol``.

    Raises:
        ValueError: if ``model`` is not in ``table``.

    Defined in lesson 06, Exercise 2 (lessons/06-long-memory/long_memory.ipynb).
    """
    if model not in table:
        raise ValueError(f"`model` must be one of {list(table)}. Received: model={model!r}")
    column = dict(table[model])
    for lag in sorted(column):
        if column[lag] <= chance + tol:
            return lag
    return None
