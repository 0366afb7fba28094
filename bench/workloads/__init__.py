"""One module per workload of issue 4: ``tiny``, ``population``, ``digits``, ``large``.

Each exposes ``run(quick, repeats, log) -> dict`` and ``targets(result) -> list[dict]``.
"""
