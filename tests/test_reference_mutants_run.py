"""Tests written against the survivors of mutation testing of glassnet/run.py
(tests/mutation/survivors.md), each against an independent reference."""

from __future__ import annotations
