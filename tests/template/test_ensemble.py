"""Best-model ensembles: true majority and weighted average probability."""

import numpy as np
import pytest

from hyperloom.template import Ensemble


class Stub:
    """A fitted model that predicts fixed labels and probabilities."""

    def __init__(self, labels, proba=None):
        self.labels, self.proba = labels, proba
        self.classes_ = np.array([0, 1, 2])

    def predict(self, X):
        return np.array(self.labels)

    def predict_proba(self, X):
        return np.array(self.proba)


def test_hard_voting_of_three_models_predicting_1_1_2_gives_1():
    models = [Stub([1]), Stub([1]), Stub([2])]
    assert Ensemble(models, voting="hard").predict([[0.0]]).tolist() == [1]


def test_hard_voting_counts_weights_and_a_tie_goes_to_the_best_model():
    models = [Stub([2, 0]), Stub([1, 1]), Stub([1, 0])]
    assert Ensemble(models, weights=[3, 1, 1]).predict([[0], [0]]).tolist() == [2, 0]
    assert Ensemble([Stub([2]), Stub([1])]).predict([[0]]).tolist() == [2]


def test_soft_voting_with_weights_averages_probabilities():
    a, b = Stub([0], [[0.6, 0.4, 0.0]]), Stub([1], [[0.0, 0.9, 0.1]])
    ensemble = Ensemble([a, b], voting="soft", weights=[3, 1])
    np.testing.assert_allclose(ensemble.predict_proba([[0]]), [[0.45, 0.525, 0.025]])
    assert ensemble.predict([[0]]).tolist() == [1]
    assert Ensemble([a, b], voting="soft", weights=[9, 1]).predict([[0]]).tolist() == [0]


def test_a_wrong_voting_or_weight_count_is_a_one_line_error():
    with pytest.raises(ValueError, match="voting='max' is unknown"):
        Ensemble([Stub([1])], voting="max")
    with pytest.raises(ValueError, match="2 weights for 1 models"):
        Ensemble([Stub([1])], weights=[1, 2])
