"""glassnet.study.spec against references written out by hand: the survivors of its mutation
run (tests/mutation/survivors.md)."""

from __future__ import annotations
