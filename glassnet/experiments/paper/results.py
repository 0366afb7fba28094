"""What :func:`glassnet.experiments.paper.run` computed: :class:`PaperResults` (numbers only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glassnet.experiments.paper.settings import (
    PaperConfig,
)


@dataclass
class PaperResults:
    """Everything :func:`run` computed (numbers only; no figures).

    Attributes
    ----------
    config : PaperConfig
    seed1 : dict
        Section 1: curves per mode and activation, gradient checks, initial values.
    seeds : dict
        Section 2: convergence epochs, mean bands, statistics per activation.
    sweep : dict
        Section 3: per learning rate and activation; best rates, overshoot, stable-rate estimate.
    tasks : dict
        Section 4: XOR and digits.
    depth : dict
        Section 5: per activation and depth.
    findings : list of Finding
        Section 6: ``{"claim", "paper", "verdict"}`` generated from the numbers.
    summary : dict
        The headline numbers (``data/summary.json``).
    version : str
    evolution : EvolutionResults or None
        Gradient descent against selection, when asked for.
    """

    config: PaperConfig
    seed1: dict = field(default_factory=dict)
    seeds: dict = field(default_factory=dict)
    sweep: dict = field(default_factory=dict)
    tasks: dict = field(default_factory=dict)
    depth: dict = field(default_factory=dict)
    findings: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    version: str = ""
    evolution: Any = None
