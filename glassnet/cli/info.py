"""``glassnet info``: glassnet's version, the training backends available, JAX's devices and
where compiled programs are kept between processes."""

from __future__ import annotations

import json
import platform

import click
import numpy as np


def _report() -> dict:
    import glassnet
    from glassnet import compiled

    jax = compiled.info()
    return {
        "glassnet": glassnet.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "backends": {
            "numpy": {"available": True},
            "jax": jax,
        },
    }


@click.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def info(as_json: bool) -> None:
    """Print glassnet's version, the backends available, JAX's devices and the program cache."""
    report = _report()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(
        f"glassnet {report['glassnet']} (Python {report['python']}, NumPy {report['numpy']})"
    )
    click.echo("backends:")
    click.echo("  numpy  available (the default)")
    jax = report["backends"]["jax"]
    if jax["available"]:
        click.echo(
            f"  jax    available: JAX {jax['version']}, default device {jax['default_backend']}"
        )
        for device in jax["devices"]:
            click.echo(f"         device {device}")
    else:
        click.echo(f"  jax    not available: {jax['reason']}")
    click.echo(_cache_line(jax["cache"]))
    if jax["available"] and jax["default_backend"] == "cpu":
        click.echo(_threads_line(jax["threads"]))


def _threads_line(threads: dict) -> str:
    cores = f"{threads['cores']} core{'s' if threads['cores'] != 1 else ''}"
    if threads["error"] is not None:
        return f"         population threads: not usable: {threads['error']}"
    if threads["threads"] == "auto":
        return (
            f"         population threads: auto, up to {threads['most']} ({cores}; shares of at "
            f"least {threads['min_share']['lanes']} members on the lanes, "
            f"{threads['min_share']['members']} in the members layout)"
        )
    how = {"configure": "glassnet.compiled.configure"}
    by = how.get(threads["set_by"], threads["set_by"])
    return f"         population threads: {threads['threads']} ({cores}; set by {by})"


def _cache_line(cache: dict) -> str:
    how = {"configure": "glassnet.compiled.configure", "default": "the default"}
    by = how.get(cache["set_by"], cache["set_by"])
    if not cache["enabled"]:
        return f"         program cache: off (set by {by})"
    n = cache["entries"]
    return (
        f"         program cache: {cache['dir']} ({n} program{'s' if n != 1 else ''}, "
        f"{cache['bytes'] / 2**20:.1f} MiB; set by {by})"
    )
