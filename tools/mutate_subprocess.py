"""Mutation testing of the compiled backend, each mutant in a fresh process of its own.

Usage::

    python tools/mutate_subprocess.py compiled --generate        # the scratch copy, mutants, stats
    python tools/mutate_subprocess.py compiled --check           # the harness: pass / fail
    python tools/mutate_subprocess.py compiled --sample 100 --seed 0 --factor 2 --budget 80
    python tools/mutate_subprocess.py compiled --only names.txt  # e.g. the survivors again
    python tools/mutate_subprocess.py compiled --only names.txt --tests NODEID ...  # a new test
    python tools/mutate_subprocess.py compiled --show NAME       # a mutant's diff
    python tools/mutate_subprocess.py compiled --report          # the recorded results

(``--sync-tests`` copies tests written since into the scratch copy; ``--stats`` then maps them.)

Why not ``tools/mutate.py``: mutmut 3 forks a worker per mutant from a process that has run
the tests, and JAX (its thread pools, started by the first compilation) hangs in a forked
worker. Here mutmut only *generates* the mutants (its trampolines select one at run time from
``MUTANT_UNDER_TEST``), in a scratch copy made as ``tools/mutate.py`` makes it
(``.mutation/<module>/``, git-ignored; ``functools`` caches are moved below their functions
too, so that those are mutated); every mutant is then run as a plain ``python -m pytest`` in a
process of its own, one at a time, under ``nice``, with the disk cache of compiled programs
off (a program compiled under one mutant must never be loaded under another, nor enter the
user's cache). As mutmut does, a stats run (``MUTANT_UNDER_TEST=stats``, once) records which
tests call each mutated function, here also in the processes the tests start; a mutant runs
only those tests, the quickest first (``-x``), with a timeout of ``--factor`` times their
unmutated time (at least ``--timeout``). A mutant is killed when pytest fails, survives when
it passes or when no test calls its function ("no tests"); a run past its timeout is recorded
as ``timeout``, apart.

The results go to ``.mutation/<module>.subprocess.json`` (kept when the scratch copy is made
again), one entry per mutant: status, seconds, pytest's exit code and its last lines.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import mutate  # noqa: E402  (tools/mutate.py: the scratch copy's undecoration)

# module -> the tests that exercise it, the JAX ones (every test here runs backend="jax" or
# the compiled module's own functions); test_reference_lanes.py is the lanes layout against
# NumPy (NumPy storage, quick)
TESTS: dict[str, list[str]] = {
    "compiled": [
        "tests/test_compiled.py",
        "tests/test_reference_lanes.py",
        "tests/test_reference_mutants_compiled.py",
        "tests/test_reference_mutants_compiled_sample5.py",
        "tests/test_reference_mutants_threads.py",
    ],
}

# the other tests that run the compiled backend, quick enough for every mutant
EXTRA: dict[str, list[str]] = {
    "compiled": [
        "tests/test_checkpoint.py::test_chunks_of_the_compiled_program_save_at_the_end_of_the_"
        "chunk_that_reaches_a_multiple",
        "tests/test_run.py::test_the_jax_estimator_trains_as_the_numpy_one",
        "tests/test_run.py::test_continuation_across_backends_agrees_to_1e_12",
    ],
}

PYTEST = ["-x", "-q", "-n", "0", "-p", "no:randomly", "-p", "no:cacheprovider"]

# the project's name makes the scratch copy a clone of glassnet to _extras.source_checkout (the
# install hints that test_compiled.py checks say "pip install -e '<clone>[jax]'")
CONFIG = """\
[project]
name = "glassnet"

[tool.mutmut]
source_paths = ["glassnet"]
only_mutate = ["glassnet/{module}.py"]
also_copy = []

[tool.pytest.ini_options]
filterwarnings = ["error"]
"""

# run in the scratch copy: mutmut's generation step alone (what `mutmut run` does before it
# collects the tests' statistics and forks its workers), one process
_GENERATE = """\
from pathlib import Path
from mutmut.__main__ import create_mutants
from mutmut.mutation.trampoline import set_mutant_under_test
from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, setup_source_paths
set_mutant_under_test("mutant_generation")
Path("mutants").mkdir(exist_ok=True)
copy_src_dir()
copy_also_copy_files()
setup_source_paths()
print(create_mutants(1))
"""


# The stats run (one process, MUTANT_UNDER_TEST=stats): mutmut's trampolines record every
# mutated function called; this plugin reads the record after each test (as mutmut's own
# StatsCollector does) and the time the test took. Between tests it empties compiled's caches
# (programs in memory, functools caches), so every test that would build a program or compute
# a cached value under a mutant is recorded as reaching the function that does it.
_PLUGIN = """\
import json, os, time
from pathlib import Path

import pytest
from mutmut.state import state

OUT = Path(os.environ["GLASSNET_MUTANT_STATS"])
CHILDREN = Path(os.environ["GLASSNET_MUTANT_STATS_CHILDREN"])
RECORD = {}
_start = {}


def _clear_caches():
    import sys

    module = sys.modules.get("glassnet.compiled")
    if module is None:
        return
    module.clear_cache(disk=False)
    for value in list(vars(module).values()):
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _clear_caches()
    state()._stats.clear()
    _start[item.nodeid] = time.perf_counter()


def pytest_runtest_teardown(item, nextitem):
    hits = set(state()._stats)
    state()._stats.clear()
    for dump in CHILDREN.glob("*.json"):  # what the test's child processes called
        hits.update(json.loads(dump.read_text()))
        dump.unlink()
    RECORD[item.nodeid] = {
        "seconds": round(time.perf_counter() - _start.pop(item.nodeid, time.perf_counter()), 3),
        "functions": sorted(hits),
    }


def pytest_runtest_logreport(report):
    if report.failed:
        RECORD.setdefault("__failed__", []).append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    OUT.write_text(json.dumps(RECORD, indent=1, ensure_ascii=False))
"""

# a Python process started by a test in the stats run writes what it called when it exits
_SITECUSTOMIZE = """\
import atexit, json, os

if os.environ.get("MUTANT_UNDER_TEST") == "stats" and os.environ.get(
    "GLASSNET_MUTANT_STATS_CHILDREN"
):

    def _dump():
        import sys

        if "mutmut.state" not in sys.modules:
            return
        from mutmut.state import state

        path = os.path.join(os.environ["GLASSNET_MUTANT_STATS_CHILDREN"], f"{os.getpid()}.json")
        with open(path, "w") as fh:
            json.dump(sorted(state()._stats), fh)

    atexit.register(_dump)
"""


def _work(module: str) -> Path:
    return ROOT / ".mutation" / module.replace("/", "_")


def _results_path(module: str) -> Path:
    return ROOT / ".mutation" / f"{module.replace('/', '_')}.subprocess.json"


def _undecorate_caches(path: Path) -> int:
    """``@functools.lru_cache(...)`` / ``@functools.cache`` on a plain function becomes an
    assignment after it (as tools/mutate.py does for ``@known_keywords``): mutmut 3.8 never
    mutates a decorated function. Each mutant runs in a process of its own, so the cache, on
    the trampoline, only ever holds one mutant's results."""
    source = path.read_text()
    lines = source.splitlines(keepends=True)
    edits = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef) or len(node.decorator_list) != 1:
            continue
        deco = ast.unparse(node.decorator_list[0])
        if deco.startswith(("functools.lru_cache", "functools.cache")):
            assert node.end_lineno is not None
            edits.append((node.decorator_list[0].lineno, node.end_lineno, node.name, deco))
    for line, end, name, deco in sorted(edits, reverse=True):
        lines.insert(end, f"{name} = {deco}({name})\n")
        del lines[line - 1]
    path.write_text("".join(lines))
    return len(edits)


def generate(module: str) -> list[str]:
    """The scratch copy (as tools/mutate.py makes it) and mutmut's mutants in it."""
    work = _work(module)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "glassnet", work / "glassnet", ignore=ignore)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
    target = work / "glassnet" / f"{module}.py"
    n = mutate._undecorate(target) + _undecorate_caches(target)
    print(f"{module}: {n} decorated functions undecorated for mutmut", file=sys.stderr)
    (work / "pyproject.toml").write_text(CONFIG.format(module=module))
    hooks = work / "hooks"
    hooks.mkdir()
    (hooks / "glassnet_mutant_stats.py").write_text(_PLUGIN)
    (hooks / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    log = work / "generate.log"
    with open(log, "w") as fh:
        run = subprocess.run(
            [sys.executable, "-c", _GENERATE],
            cwd=work,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=dict(os.environ) | mutate._ONE_THREAD,
        )
    if run.returncode != 0:
        raise SystemExit(f"mutant generation failed (exit {run.returncode}); see {log}")
    names = mutant_names(module)
    print(f"{module}: {len(names)} mutants generated in {work / 'mutants'}", file=sys.stderr)
    return names


def mutant_names(module: str) -> list[str]:
    """Every mutant of the module (``glassnet.<module>.x_f__mutmut_<n>``), in mutmut's order."""
    meta = _work(module) / "mutants" / "glassnet" / f"{module}.py.meta"
    if not meta.exists():
        raise SystemExit(f"no mutants yet: run with --generate first ({meta} is missing)")
    return list(json.loads(meta.read_text())["exit_code_by_key"])


def _env(module: str, name: str) -> dict[str, str]:
    work = _work(module)
    env = dict(os.environ) | mutate._ONE_THREAD
    return env | {
        "MUTANT_UNDER_TEST": name,
        # the mutated glassnet, in this process and in the processes its tests start
        "PYTHONPATH": os.pathsep.join([str(work / "mutants"), str(work / "hooks")]),
        "GLASSNET_JAX_CACHE": "off",  # no program compiled under a mutant is kept on disk
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _pytest(module: str, name: str, tests: list[str], timeout: float, extra_env=None) -> dict:
    """``pytest tests`` with mutant ``name`` switched on, in a fresh process (niced); its
    status (killed, survived, timeout, error), time, exit code and last lines."""
    cmd = ["nice", "-n", "10", sys.executable, "-m", "pytest", *PYTEST, *tests]
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=_work(module) / "mutants",
        env=_env(module, name) | (extra_env or {}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: a timeout ends it and its children
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
        code = proc.returncode
        # pytest's exit codes: 0 passed, 1 a test failed; 2 interrupted, 3 internal error,
        # 4 usage error, 5 no tests collected (none of them a kill)
        status = {0: "survived", 1: "killed"}.get(code, "error")
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        code, status = None, "timeout"
    seconds = time.perf_counter() - start
    tail = [line for line in out.splitlines() if line.strip()][-8:]
    return {"status": status, "seconds": round(seconds, 1), "exit": code, "tail": tail}


def _tests(module: str) -> list[str]:
    return [t for t in TESTS[module] if (ROOT / t.partition("::")[0]).exists()] + EXTRA.get(
        module, []
    )


def _stats_path(module: str) -> Path:
    return _work(module) / "stats.json"


def collect_stats(module: str) -> dict:
    """One unmutated run of every test (MUTANT_UNDER_TEST=stats, a fresh process): which
    mutated functions each test calls, also in the processes it starts, and its time."""
    work = _work(module)
    children = work / "stats-children"
    shutil.rmtree(children, ignore_errors=True)
    children.mkdir()
    out = _stats_path(module)
    r = _pytest(
        module,
        "stats",
        ["-p", "glassnet_mutant_stats", *_tests(module)],
        3600,
        {"GLASSNET_MUTANT_STATS": str(out), "GLASSNET_MUTANT_STATS_CHILDREN": str(children)},
    )
    print("stats run: " + r["status"] + f" in {r['seconds']} s\n    " + "\n    ".join(r["tail"]))
    if r["exit"] != 0 or not out.exists():
        raise SystemExit("the stats run failed: every test must pass on the unmutated code")
    stats = json.loads(out.read_text())
    if stats.pop("__failed__", None):
        raise SystemExit("the stats run failed: every test must pass on the unmutated code")
    stats["__startup__"] = r["seconds"] - sum(v["seconds"] for v in stats.values())
    out.write_text(json.dumps(stats, indent=1, ensure_ascii=False))
    return stats


def _function(name: str) -> str:
    """The mutated function's trampoline name: ``glassnet.compiled.x__program``."""
    return name.partition("__mutmut_")[0]


def plan(module: str, name: str, stats: dict, floor: float, factor: float) -> tuple[list, float]:
    """The tests that call the mutant's function (the quickest first: with -x a kill comes
    sooner), and the run's timeout: ``factor`` times the unmutated time of those tests plus
    the process start, at least ``floor`` seconds."""
    fn = _function(name)
    reach = [(v["seconds"], t) for t, v in stats.items() if t[0] != "_" and fn in v["functions"]]
    tests = [t for _, t in sorted(reach)]
    expected = stats["__startup__"] + sum(s for s, _ in reach)
    return tests, max(floor, factor * expected)


def _load(module: str) -> dict:
    path = _results_path(module)
    return json.loads(path.read_text()) if path.exists() else {"module": module, "mutants": {}}


def _save(module: str, results: dict) -> None:
    path = _results_path(module)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def show(module: str, name: str) -> str:
    exe = Path(sys.executable).with_name("mutmut")
    short = name if name.startswith("glassnet.") else f"glassnet.{module}.{name}"
    return subprocess.run(
        [str(exe), "show", short], cwd=_work(module), capture_output=True, text=True
    ).stdout


def report(module: str) -> str:
    results = _load(module)
    rows = results["mutants"]
    counts: dict[str, int] = {}
    for r in rows.values():
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    killed = counts.get("killed", 0)
    lines = [
        f"{module}: {killed}/{len(rows)} killed ({100 * killed / max(len(rows), 1):.1f}%) of a "
        f"sample of {results.get('sample', '?')} (seed {results.get('seed', '?')}) of "
        f"{results.get('total', '?')} mutants; "
        + ", ".join(f"{s} {n}" for s, n in sorted(counts.items()))
    ]
    for name, r in sorted(rows.items()):
        if r["status"] != "killed":
            lines.append(f"  {r['status']}: {name} ({r['seconds']} s, {len(r['tests'])} tests)")
    for name, r in sorted(results.get("confirmed", {}).items()):
        lines.append(f"  since, by {' '.join(r['tests'])}: {r['status']}: {name}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", choices=sorted(TESTS))
    parser.add_argument("--generate", action="store_true", help="make the scratch copy, mutants")
    parser.add_argument("--sync-tests", action="store_true", help="copy tests/ to the scratch copy")
    parser.add_argument("--stats", action="store_true", help="record which tests reach what")
    parser.add_argument("--check", action="store_true", help="no mutant passes, 'fail' fails")
    parser.add_argument("--sample", type=int, help="run this many mutants drawn at random")
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed (default 0)")
    parser.add_argument("--only", metavar="FILE", help="run the mutants named in FILE")
    parser.add_argument("--timeout", type=float, default=180, help="least timeout, s (180)")
    parser.add_argument("--factor", type=float, default=3, help="timeout / unmutated time (3)")
    parser.add_argument("--budget", type=float, default=85, help="minutes for all runs (85)")
    parser.add_argument("--rerun", action="store_true", help="run mutants already recorded too")
    parser.add_argument(
        "--tests",
        nargs="+",
        metavar="NODEID",
        help="run these tests instead of those the stats select (e.g. to check that a new "
        "test kills a survivor); recorded apart, in 'confirmed'",
    )
    parser.add_argument("--show", metavar="NAME", help="print a mutant's diff")
    parser.add_argument("--report", action="store_true", help="print the recorded results")
    args = parser.parse_args(argv)
    module = args.module
    if args.generate:
        generate(module)
    if args.sync_tests:  # tests written since the mutants were made (then --stats again)
        for where in (_work(module) / "tests", _work(module) / "mutants" / "tests"):
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / "tests", where, ignore=ignore, dirs_exist_ok=True)
    if args.show:
        print(show(module, args.show))
        return 0
    if args.report:
        print(report(module))
        return 0
    if args.check:
        for name, want in ((f"glassnet.{module}.x_no_such_function__mutmut_1", 0), ("fail", 1)):
            r = _pytest(module, name, _tests(module), 3600)
            print(f"MUTANT_UNDER_TEST={name}: exit {r['exit']} in {r['seconds']} s")
            print("    " + "\n    ".join(r["tail"]))
            if r["exit"] != want:
                print(f"harness check failed: expected exit {want}", file=sys.stderr)
                return 1
    if args.stats or args.generate:  # new mutants: which tests reach them
        collect_stats(module)
    if args.sample is None and args.only is None:
        return 0
    if not _stats_path(module).exists():
        raise SystemExit("no stats yet: run with --stats first")
    stats = json.loads(_stats_path(module).read_text())
    names = mutant_names(module)
    results = _load(module)
    if args.only:
        chosen = Path(args.only).read_text().split()
        chosen = [n if n.startswith("glassnet.") else f"glassnet.{module}.{n}" for n in chosen]
    else:
        chosen = random.Random(args.seed).sample(names, args.sample)
        results |= {"total": len(names), "sample": args.sample, "seed": args.seed}
    deadline = time.monotonic() + 60 * args.budget
    if args.tests:  # the named tests against each mutant: a kill confirmed, not the score
        for name in chosen:
            r = _pytest(module, name, args.tests, args.timeout)
            results.setdefault("confirmed", {})[name] = r | {"tests": args.tests}
            _save(module, results)
            print(f"{r['status']:8} {r['seconds']:6.1f} s  {name}  ({' '.join(args.tests)})")
        return 0
    for i, name in enumerate(chosen):
        if name in results["mutants"] and not args.rerun:
            continue
        tests, timeout = plan(module, name, stats, args.timeout, args.factor)
        if not tests:  # no test calls the function: it survives, as in tools/mutate.py
            r = {"status": "no tests", "seconds": 0.0, "exit": None, "tail": []}
        elif time.monotonic() + timeout > deadline:
            print(f"budget of {args.budget} min spent: {len(chosen) - i} mutants not run")
            break
        else:
            r = _pytest(module, name, tests, timeout)
        results["mutants"][name] = r | {"tests": tests, "timeout": round(timeout)}
        _save(module, results)
        print(f"[{i + 1}/{len(chosen)}] {r['status']:8} {r['seconds']:6.1f} s  {name}", flush=True)
    print(report(module))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
