"""Built-in datasets, CSV loading, a seeded train/test split and a train-only standardizer.

Everything here runs offline: the small sets are generated from formulas with a seeded
:func:`numpy.random.default_rng`, and ``digits`` / ``diabetes`` come from the copies bundled
inside scikit-learn. Nothing is printed; every function returns data.

Target conventions (shared by every loader)
-------------------------------------------
* binary classification: ``y`` has shape ``(n_samples, 1)`` and holds 0.0 / 1.0;
* ``k > 2`` classes: ``y`` is one-hot, shape ``(n_samples, k)``;
* regression: ``y`` has shape ``(n_samples, 1)`` (or ``(n_samples, m)`` for ``m`` targets).

``X`` always has shape ``(n_samples, d)``. Both arrays are float64 unless ``dtype="float32"`` is asked.

Built-in datasets (``load(name, **kwargs)``)
--------------------------------------------
* ``paper``: X (4, 3), y (4, 1), the paper's four cases; y equals the first input column.
* ``xor``, ``and``, ``or``: X (4, 2), y (4, 1), the four binary input pairs and the gate.
* ``moons``: X (200, 2), y (200, 1), two interleaving half circles.
* ``circles``: X (200, 2), y (200, 1), a small circle inside a large one.
* ``spirals``: X (200, 2), y (200, 1), ``n_classes`` interleaved arms (one-hot when k > 2).
* ``blobs``: X (200, 2), y (200, 3), ``n_classes`` Gaussian clusters.
* ``digits``: X (1797, 64), scikit-learn's 8x8 digits with pixels in [0, 1];
  ``classes="all"``: y (1797, 10) one-hot; ``classes="three"``: y (1797, 1), 3 vs not 3.
* ``diabetes``: X (442, 10), y (442, 1), scikit-learn's diabetes regression set.
* ``meals``: X (500, 11), y (500, 1), synthetic: portions to cook from students, meal and
  weekday.

The 2-D sets (moons, circles, spirals, blobs) and meals take ``n_samples``, ``noise`` and
``seed``; the same seed always gives the same numbers.

Honest evaluation
-----------------
Split first, then standardize with statistics of the training part only::

    X, y = load_csv("data.csv", target="label")
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    scaler = Standardizer().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)

(:func:`standardized_split` does these three steps in one call.)

Layout
------
Every name above is importable from ``glassnet.datasets``; the package keeps one concern per
module: ``catalog`` (``names``, ``load``, ``info``, ``describe``), ``generators`` (the sets made
from formulas and a seed), ``bundled`` (digits and diabetes, from scikit-learn), ``csv``
(``load_csv``), ``recipes`` (a data set as plain data: ``from_recipe``, ``check_recipe``,
the playground's quadrants, regression sets and input features), ``encoding`` (``one_hot``, ``labels``, ``encode_labels``), ``split``
(``train_test_split``, ``Standardizer``, ``standardized_split``) and ``_base`` (the
containers and argument checks they share). Every bound (samples, classes, noise, CSV size)
is a constant of :mod:`glassnet._validation` or of the module that enforces it.
"""

from __future__ import annotations

from glassnet.datasets._base import Dataset, DatasetInfo
from glassnet.datasets._base import FloatArray as FloatArray
from glassnet.datasets._base import SeedLike as SeedLike
from glassnet.datasets.catalog import describe, info, load, names
from glassnet.datasets.csv import AUTO_MAX_CLASSES as AUTO_MAX_CLASSES
from glassnet.datasets.csv import IndexColumnWarning, load_csv
from glassnet.datasets.encoding import encode_labels, labels, one_hot

# the meals formula's constants, public names of the module before it became a package
from glassnet.datasets.generators import DAY_FACTOR as DAY_FACTOR
from glassnet.datasets.generators import MEAL_OVERHEAD as MEAL_OVERHEAD
from glassnet.datasets.generators import MEAL_RATE as MEAL_RATE
from glassnet.datasets.generators import MEALS as MEALS
from glassnet.datasets.generators import WEEKDAYS as WEEKDAYS
from glassnet.datasets.recipes import check_recipe, from_recipe
from glassnet.datasets.split import Standardizer, standardized_split, train_test_split

__all__ = [
    "Dataset",
    "DatasetInfo",
    "IndexColumnWarning",
    "Standardizer",
    "check_recipe",
    "describe",
    "encode_labels",
    "from_recipe",
    "info",
    "labels",
    "load",
    "load_csv",
    "names",
    "one_hot",
    "standardized_split",
    "train_test_split",
]
