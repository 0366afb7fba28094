"""What the mutation run of sklearn.py found unchecked (issue 26), against scikit-learn itself:
a column-vector ``y`` gives MLPRegressor's own DataConversionWarning, word for word, attributed
to scikit-learn's module (so a filter that silences MLP's silences glassnet's), and the fit is
the fit of the 1-d ``y``."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.neural_network import MLPRegressor

from glassnet.sklearn import GlassnetRegressor

X = np.random.default_rng(0).normal(size=(20, 3))
Y = X @ np.array([1.0, -2.0, 0.5])


def _conversion_warnings(est):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y[:, None])
    return [(w.category, str(w.message)) for w in seen if w.category is DataConversionWarning]


def test_a_column_y_warns_as_mlp_does_and_fits_as_the_1d_y():
    kw = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    theirs = _conversion_warnings(MLPRegressor(**kw))
    ours_est = GlassnetRegressor(**kw)
    ours = _conversion_warnings(ours_est)
    assert len(theirs) == 1 and ours == theirs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        flat = GlassnetRegressor(**kw).fit(X, Y)
    np.testing.assert_array_equal(ours_est.predict(X), flat.predict(X))


def test_a_filter_that_silences_mlps_warning_silences_glassnets():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", category=DataConversionWarning, module="sklearn")
        GlassnetRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, Y[:, None])
    assert [w for w in seen if w.category is DataConversionWarning] == []
