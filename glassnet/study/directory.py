"""An existing study directory: its spec, progress, results, export and report."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from glassnet._validation import describe, known_keywords
from glassnet.study.spec import AXIS_TABLE, Spec, plan
from glassnet.study.store import Store

__all__ = ["Study"]


@known_keywords
class Study:
    """An existing study directory.

    Parameters
    ----------
    directory : path
        A directory made by :func:`run` (it holds ``study.sqlite``).
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        if not isinstance(directory, str | os.PathLike) or isinstance(directory, bytes):
            raise TypeError(f"dir: expected a study directory path, got {describe(directory)}")
        if not os.fspath(directory):  # Path("") is ".": it was named as "no study in '.'"
            raise ValueError("dir: expected a study directory, got ''")
        self.directory = Path(directory)
        with Store.open(self.directory) as store:
            meta = store.meta()
            norm = store.stored_spec()
        # axes added after this study was stored hold their defaults (see Axis)
        axes = {a.name: norm["axes"].get(a.name, [a.default]) for a in AXIS_TABLE}
        self.spec = Spec(
            source=meta.get("spec_source", "<string>"),
            text=meta["spec_text"],
            name=norm["name"],
            description=meta.get("spec_description", ""),
            axes=axes,
            fixed=norm["fixed"],
        )
        self.meta = meta

    def __repr__(self) -> str:
        return f"Study({str(self.directory)!r}, name={self.spec.name!r})"

    def status(self) -> dict[str, Any]:
        """Progress of the study.

        Returns
        -------
        dict
            ``name``, ``runs_total``, ``runs_done``, ``runs_missing``, ``groups_missing``
            (populations still to train), ``status`` (stored runs per status) and
            ``wall_time`` (sum of the stored groups' seconds).
        """
        with Store.open(self.directory) as store:
            done = store.done_hashes()
            counts = store.status_counts()
            wall = store.wall_time()
        total = self.spec.n_runs
        return {
            "name": self.spec.name,
            "runs_total": total,
            "runs_done": len(done),
            "runs_missing": total - len(done),
            "groups_missing": len(plan(self.spec, done)),
            "status": counts,
            "wall_time": float(wall),
        }

    def results(self) -> Any:
        """Every stored run as a pandas DataFrame, one row per run, ordered by ``run_id``.

        Returns
        -------
        pandas.DataFrame
            Columns: ``run_id``, ``config_hash``, ``group_key``, one column per axis of
            :data:`~glassnet.study.spec.AXIS_TABLE` (``dataset``, ``hidden`` as ``"8-8"``
            followed by ``depth``, ``activation``, ``output`` (the resolved output
            activation), ``bias``, ``init``, ``loss``, ``optimizer``, ``schedule``, ``l2``,
            ``batch_size`` (<NA> = full batch), ``epochs``, ``backend``, ``lr``, ``seed``), then ``status``, ``converged``, ``diverged``, ``epoch_threshold``,
            ``epoch_paper``, ``diverged_epoch`` (-1 = never), ``epochs_run``,
            ``final_loss``, ``final_accuracy``, ``final_val_loss``, ``final_val_accuracy``
            (NaN where not applicable), ``wall_time`` (the group's seconds / its size),
            ``group_wall_time``, ``group_size``, ``worker``, ``finished_at``, ``config``
            (the full configuration as JSON), ``loss_curve`` / ``val_loss_curve``
            (float64 arrays of shape (epochs_run,), or None) and ``grad_norm_init`` /
            ``saturated_init`` (shape (n_layers,), input layer first: each layer's weight
            gradient norm and saturated fraction at epoch 0).
        """
        from glassnet.study.frame import results_frame

        with Store.open(self.directory) as store:
            rows = store.rows()
        return results_frame(rows)

    @known_keywords
    def export(self, path: str | os.PathLike[str], format: str = "csv") -> Path:
        """Write :meth:`results` to ``path`` as ``"csv"`` or ``"parquet"``.

        Loss curves become JSON lists in CSV and list columns in Parquet; :func:`read_export`
        reads either back into the same DataFrame.
        """
        from glassnet.study.frame import export_frame

        return export_frame(self.results(), path, format)

    def report(self, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> Path:
        """Write the study's self-contained HTML report (see :mod:`glassnet.study.report`)."""
        from glassnet.study.report import write_report

        return write_report(self, path, **kwargs)
