"""Experiments built on the glassnet engine.

:mod:`glassnet.experiments.original`
    The paper's own training code, as it actually ran (kept apart from the engine on purpose).
:mod:`glassnet.experiments.paper`
    The ``glassnet paper`` experiment: reproduce the paper, then test its conclusion.
"""
