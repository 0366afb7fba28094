"""population10k: 10,000 seeds x 200 epochs of the paper's 3-2-1 sigmoid network (issue 25).

The population workload's compiled rows at ten times the members: glassnet's
``fit(..., backend="jax")`` (``layout="auto"``: the members on the vector lanes for this small
network, and the members-first layout for comparison) against the hand-written
``jit(lax.scan(vmap(value_and_grad)))`` program, in float64 and float32. Every peer keeps every
member's loss at every epoch (a (P, epochs) array). The NumPy rows of ``population`` are left
out: at this size they take minutes and answer no question of issue 25.
"""

from __future__ import annotations

from typing import Any

from bench.harness import measure
from bench.workloads.population import LR, compiled_peers, hand_jax_peers, lanes_targets


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    return lanes_targets(res, "population10k")


def run(quick: bool, repeats: int | None, log) -> dict[str, Any]:
    P, epochs = (2000, 50) if quick else (10_000, 200)
    reps = repeats or (2 if quick else 5)
    log(f"population10k: {P} seeds x {epochs} epochs, {reps} rounds")
    peers = compiled_peers(P, epochs, informational=True) + hand_jax_peers(P, epochs)
    results = measure(peers, reps, log)
    return {
        "title": f"population10k: {P} seeds x {epochs} epochs of the 3-2-1 sigmoid network",
        "params": {"P": P, "epochs": epochs, "repeats": reps, "lr": LR},
        "unit": ("ns/member-epoch", 1e9 / (P * epochs)),
        "results": results,
        "jax_rows": {"float64": "glassnet_jax", "float32": "glassnet_jax_f32"},
    }
