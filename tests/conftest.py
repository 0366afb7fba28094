import os

import numpy as np
import pytest


@pytest.fixture(autouse=True, scope="session")
def _program_cache(tmp_path_factory):
    # compiled programs go to a directory of this session, not the user's cache (the CLI's
    # subprocesses inherit it); a GLASSNET_JAX_CACHE set by the caller is kept
    if "GLASSNET_JAX_CACHE" not in os.environ:
        os.environ["GLASSNET_JAX_CACHE"] = str(tmp_path_factory.mktemp("jax-programs"))
    yield


@pytest.fixture
def paper_data():
    X = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    return X, y
