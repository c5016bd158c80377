"""The demo's real models: scikit-learn classifiers trained at start-up on the digits data set that ships inside
python3-sklearn (1,797 8x8 images, 10 classes; no download).

One split, shared with the traffic driver so that it only ever sends rows no model was trained on:
train_test_split(random_state=0), 75% training / 25% held out (450 rows). Training is deterministic
(fixed random_state everywhere) and takes about a second.

Qualities:
  good      StandardScaler + LogisticRegression on every training row: ~0.96 on held-out rows, recall of 8 ~0.9.
  bad       the same, trained with 90% of the 8s withheld (the rare class): ~0.92 overall, recall of 8 ~0.5.
            Fine on average, poor on one class: what a per-class floor is for.
  degraded  the good model whose answers for a share of rows are replaced by a wrong class (the model server's
            stand-in for a world that drifted after promotion); see DEGRADED_ERROR_RATE. A good model can be
            switched to degraded (and back) while it serves: set_degraded().

The functions are pure. DigitsModel is safe to share between threads: predicting reads the fitted pipeline
only, and the degraded flag is one attribute assignment (atomic in CPython).
"""
from __future__ import annotations

import zlib

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

RANDOM_STATE = 0
RARE_CLASS = 8
WITHHELD_SHARE = 0.9
N_FEATURES = 64
QUALITIES = ("good", "bad", "degraded")
DEGRADED_ERROR_RATE = 0.35


def split():
    """(x_train, x_test, y_train, y_test): the one split the server and the driver share."""
    digits = load_digits()
    return train_test_split(digits.data, digits.target, random_state=RANDOM_STATE)


def held_out_rows():
    """The held-out rows and their true labels, as the driver sends them: (list of 64-float lists, list of int)."""
    _, x_test, _, y_test = split()
    return x_test.tolist(), [int(v) for v in y_test]


def _withhold_rare_class(x_train, y_train):
    rng = np.random.RandomState(RANDOM_STATE)
    rare = np.flatnonzero(y_train == RARE_CLASS)
    dropped = rng.choice(rare, size=int(round(len(rare) * WITHHELD_SHARE)), replace=False)
    keep = np.setdiff1d(np.arange(len(y_train)), dropped)
    return x_train[keep], y_train[keep]


class DigitsModel:
    """A trained classifier: predict() gives classes, predict_proba() the probability vectors (10 columns)."""

    def __init__(self, quality: str):
        if quality not in QUALITIES:
            raise ValueError(f"quality must be one of {', '.join(QUALITIES)}, not {quality!r}")
        self.quality = quality
        self.degraded = quality == "degraded"
        x_train, _, y_train, _ = split()
        if quality == "bad":
            x_train, y_train = _withhold_rare_class(x_train, y_train)
        self._pipeline = make_pipeline(StandardScaler(),
                                       LogisticRegression(max_iter=2000, random_state=RANDOM_STATE))
        self._pipeline.fit(x_train, y_train)
        self.training_rows = int(len(y_train))

    def predict_proba(self, rows: np.ndarray) -> np.ndarray:
        proba = self._pipeline.predict_proba(rows)
        if self.degraded:
            proba = _degrade(rows, proba)
        return proba

    def set_degraded(self, degraded: bool) -> None:
        self.degraded = degraded

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return self.predict_proba(rows).argmax(axis=1)


def _degrade(rows: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Moves the mass of a deterministic share of rows (chosen by a hash of the row, so the same row always gets
    the same answer) to the next class: the prediction is wrong with a confident probability, as a drifted
    world makes a model wrong without it knowing."""
    out = proba.copy()
    for i, row in enumerate(rows):
        if (zlib.crc32(row.tobytes()) & 0xFFFF) / 0x10000 < DEGRADED_ERROR_RATE:
            out[i] = np.roll(out[i], 1)
    return out
