"""Studies: grids of many training runs that survive interruption and scale out on Dask.

A study is described by a TOML spec (see :mod:`glassnet.study.spec`) whose every list is a
grid axis. Runs sharing everything but their seed and learning rate are trained together as
one population. Results go to one SQLite database in the study directory, committed group by
group, so a study can be killed at any moment and resumed.

Examples
--------
>>> import glassnet.study as gs                                    # doctest: +SKIP
>>> gs.run("examples/paper_at_scale.toml", "out/paper", jobs=4)    # doctest: +SKIP
>>> df = gs.open("out/paper").results()                            # doctest: +SKIP
>>> df.groupby("activation")["epoch_threshold"].median()           # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any

from glassnet._validation import known_keywords
from glassnet.study.directory import Study
from glassnet.study.runner import Progress, StudyIncompleteError, StudyInterrupted, run
from glassnet.study.spec import (
    AXES,
    AXIS_TABLE,
    Axis,
    Group,
    Spec,
    SpecError,
    config_hash,
    group_key,
    load_spec,
    parse_spec,
    plan,
)
from glassnet.study.store import DB_NAME, SpecMismatchError, Store, __version__

__all__ = [
    "AXES",
    "AXIS_TABLE",
    "DB_NAME",
    "Axis",
    "Group",
    "Progress",
    "Spec",
    "SpecError",
    "SpecMismatchError",
    "Store",
    "Study",
    "StudyIncompleteError",
    "StudyInterrupted",
    "__version__",
    "config_hash",
    "group_key",
    "load_spec",
    "open",
    "parse_spec",
    "plan",
    "read_export",
    "run",
]


@known_keywords
def open(directory: str | os.PathLike[str]) -> Study:
    """Open the study in ``directory`` (see :class:`Study`)."""
    return Study(directory)


@known_keywords
def read_export(path: str | os.PathLike[str]) -> Any:
    """Read a file written by :meth:`Study.export` back into the DataFrame of
    :meth:`Study.results`."""
    from glassnet.study.frame import read_export as _read

    return _read(path)
