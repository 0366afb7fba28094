r"""``glassnet paper``: reproduce the paper's experiment, then test its conclusion properly.

The paper trained a 3-2-1 network on four cases with sigmoid and with tanh and concluded that
tanh converges much faster. This experiment

1. reproduces its seed-1 runs twice: with the update rules its code really ran (``original``,
   see :mod:`glassnet.experiments.original`) and with exact gradient descent (``corrected``,
   the engine, gradient-checked);
2. repeats the corrected protocol over many seeds (one population per activation);
3. sweeps the learning rate, because at equal ``eta`` tanh (``max tanh' = 1``) takes larger
   steps than sigmoid (``max sigmoid' = 1/4``), and estimates the largest stable learning rate
   ``2 / lambda_max`` of the loss's Hessian at initialization;
4. repeats the comparison where a hidden layer is needed (XOR, digits "three vs not three");
5. sweeps depth (1-8 hidden layers) for sigmoid, tanh and relu, recording per-layer gradient
   norms (vanishing gradients);
6. writes findings generated from the numbers, each with its confidence interval.

:func:`run` computes everything and returns a :class:`PaperResults`; :func:`build_report` turns
it into a :class:`glassnet.report.Report`; :func:`run_paper` does both and writes the report.

The package holds one concern per module, imports pointing down the list:

- ``settings``: the paper's constants, :class:`PaperConfig`, :func:`make_config`;
- ``measures``: the paper's network, outcome classes, the Hessian estimate, small statistics;
- ``results``: :class:`PaperResults`;
- ``findings``: one small function per finding, each returning a typed :class:`Finding`;
- ``summary``: the headline numbers (``data/summary.json``);
- ``sections``: the computations of sections 1-5 and :data:`SECTIONS`, the one list that drives
  :func:`run` and the progress step count;
- ``figures``: one function per figure;
- ``report``: the page, one writer per section (its text, tables, figures and data files) in
  :data:`REPORT_SECTIONS`, keyed like :data:`SECTIONS`; and :func:`run_paper`.
The library never prints: progress is reported through an optional callback.

All losses here are the paper's plotted quantity, the mean over the training cases of
``(y - output)^2`` (the engine trains on ``sse``, its sum, so the curves are ``sse / N``).
"""

from glassnet.experiments.paper.findings import FINDINGS, Finding
from glassnet.experiments.paper.measures import hessian_lambda_max
from glassnet.experiments.paper.report import (
    REPORT_SECTIONS,
    ReportSection,
    build_report,
    rerun_command,
    run_paper,
)
from glassnet.experiments.paper.results import PaperResults
from glassnet.experiments.paper.sections import SECTIONS, Section, n_steps, run
from glassnet.experiments.paper.settings import (
    DEFAULT_LR_GRID,
    PaperConfig,
    Progress,
    make_config,
    parse_lr_grid,
)

__all__ = [
    "DEFAULT_LR_GRID",
    "FINDINGS",
    "REPORT_SECTIONS",
    "SECTIONS",
    "Finding",
    "PaperConfig",
    "PaperResults",
    "Progress",
    "ReportSection",
    "Section",
    "build_report",
    "hessian_lambda_max",
    "make_config",
    "n_steps",
    "parse_lr_grid",
    "rerun_command",
    "run",
    "run_paper",
]
