"""Mutation testing of one glassnet module with mutmut, against the tests that cover it.

Usage::

    pip install -e '.[test,mutation]'
    python tools/mutate.py losses              # or glassnet/losses.py; --jobs 2 by default
    python tools/mutate.py losses --show       # also print the diff of every surviving mutant
    python tools/mutate.py --list              # the modules and the tests each one runs

mutmut changes the module in many small ways (an operator, a constant, a comparison, a
dropped argument), one mutant at a time, and runs the tests that reach the changed function;
a mutant that no test notices "survives". The run happens in a scratch copy under
``.mutation/<module>/`` (git-ignored), so the working tree is never touched, and each module
gets only its own tests (TESTS below), which keeps a run to minutes on two cores.

Survivors are listed in tests/mutation/survivors.md, each killed by a new test or explained
as equivalent (a change no test can observe, such as a different error message text).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# the data modules share their tests
_DATA = [
    "test_reference_data.py",
    "test_reference_data_edges.py",
    "test_reference_generators.py",
    "test_reference_csv.py",
    "test_datasets.py",
    "test_reference_mutants_datasets.py",
    "test_reference_data_edges_more.py",
    "test_load_inputs.py",
]

# module -> the test files that exercise it (the reference tests first)
TESTS: dict[str, list[str]] = {
    "losses": [
        "test_reference_losses.py",
        "test_reference_mutants_losses.py",
        "test_reference_edges.py",
        "test_hostile_api.py",
        "test_reference_numpy_namespace.py",
        "test_reference_loss_kinks.py",
    ],
    "activations": [
        "test_reference_activations.py",
        "test_reference_mutants_activations.py",
        "test_reference_losses.py",
        "test_reference_edges.py",
        "test_stability.py",
        "test_reference_numpy_namespace.py",
    ],
    "initializers": ["test_reference_initializers.py", "test_reference_mutants_initializers.py"],
    "optimizers": [
        "test_reference_optimizers.py",
        "test_reference_optimizer_parts.py",
        "test_reference_mutants_optimizers.py",
        "test_fit_rules.py",
        "test_reference_numpy_namespace.py",
    ],
    "convergence": [
        "test_reference_convergence.py",
        "test_reference_mutants_convergence.py",
        "test_reference_metrics_convergence_more.py",
    ],
    "metrics": [
        "test_reference_metrics.py",
        "test_reference_mutants_metrics.py",
        "test_reference_history.py",
        "test_reference_data.py",
        "test_reference_metrics_convergence_more.py",
    ],
    "gradcheck": ["test_reference_gradcheck.py"],
    "training": [
        "test_reference_fit.py",
        "test_reference_pass_bound.py",
        "test_reference_training.py",
        "test_training.py",
        "test_reference_population.py",
        "test_reference_history.py",
        "test_reference_optimizer_parts.py",
        "test_reference_losses.py",
        "test_reference_edges.py",
        "test_fit_rules.py",
        "test_reference_mutants_training.py",
        "test_reference_training_callbacks.py",
        "test_checkpoint.py",
        "test_reference_numpy_namespace.py",
        "test_reference_weight_scale.py",
        "test_unwritable_places.py",
        "test_reference_population_options.py",
        "test_reference_history_records.py",
    ],
    # test_checkpoint.py (LiveRun's states, Checkpoint's saves and resumes), the History
    # record tests and the keyword tests reach run.py's record, to_dataframe and
    # check_keywords, which test_run.py alone leaves unreached
    "run": [
        "test_run.py",
        "test_reference_modelfile.py",
        "test_reference_mutants_run.py",
        "test_reference_mutants_modelfile.py",
        "test_reference_history.py",
        "test_checkpoint.py",
        "test_hostile_keywords.py",
        "test_reference_history_records.py",
    ],
    "network": [
        "test_reference_network.py",
        "test_reference_pass_bound.py",
        "test_reference_mutants_network.py",
        "test_reference_trace.py",
        "test_network.py",
        "test_reference_losses.py",
        "test_reference_edges.py",
        "test_reference_population.py",
        "test_hostile_api.py",
        "test_hostile_messages.py",
        "test_reference_numpy_namespace.py",
        "test_reference_population_options.py",
    ],
    "_validation": [
        "test_reference_validation.py",
        "test_reference_mutants_validation.py",
        "test_hostile_api.py",
        "test_datasets.py",
        "test_fit_rules.py",
        "test_reference_weight_scale.py",
        "test_reference_pass_bound.py",
    ],
    "_random": [
        "test_reference_random.py",
        "test_reference_mutants_random.py",
        "test_reference_initializers.py",
        "test_network.py",
        "test_reference_partial_fit.py",
    ],
    "_modelformat": [
        "test_reference_modelfile.py",
        "test_reference_mutants_modelformat.py",
        "test_modelfile.py",
        "test_hostile_files.py",
    ],
    "modelfile": [
        "test_reference_modelfile.py",
        "test_reference_mutants_modelfile.py",
        "test_modelfile.py",
        "test_hostile_files.py",
    ],
    "stats": [
        "test_reference_stats.py",
        "test_reference_mutants_stats.py",
        "test_stats.py",
        "test_reference_interval_levels.py",
        "test_reference_metrics_convergence_more.py",
    ],
    "evolution": [
        "test_reference_evolution.py",
        "test_reference_mutants_evolution.py",
        "test_evolution.py",
    ],
    "datasets/_base": _DATA,
    "datasets/bundled": _DATA,
    "datasets/catalog": _DATA,
    "datasets/csv": [*_DATA, "test_hostile_files.py"],
    "datasets/encoding": _DATA,
    "datasets/generators": _DATA,
    "datasets/split": _DATA,
    # the recipes against their documented formulas and split rule (the playground's own
    # tests, which reach them too, are too slow for a per-mutant selection)
    "datasets/recipes": ["test_reference_recipes.py"],
    # test_sklearn.py without its scikit-learn estimator checks, cross-validation and grid
    # search (DESELECT: minutes per mutant); it alone reaches L-BFGS, pickling and hand-set
    # coefs_
    "sklearn": [
        "test_reference_estimators.py",
        "test_reference_mutants_sklearn.py",
        "test_reference_partial_fit.py",
        "test_reference_partial_fit_sequences.py",
        "test_sklearn.py",
        "test_reference_weight_scale.py",
    ],
    # the store under the study runner: test_study_run.py's quick runs that start no process
    # of their own (its whole file costs every mutant of the store some 20 s)
    # the array namespaces: the NumPy one under every engine formula; the lanes layout
    # (Lanes) against NumPy on the members-first arrays, over NumPy storage (no JAX)
    "_xp": [
        "test_xp.py",
        "test_reference_lanes.py",
        "test_reference_network.py",
        "test_reference_activations.py",
    ],
    # every writer goes through _files: the modes under three umasks, atomic replacement,
    # the refusals of paths that cannot be written
    "_files": ["test_file_modes.py", "test_hostile_files.py", "test_unwritable_places.py"],
    # the install hints of the optional parts (metadata, a clone or a wheel)
    "_extras": ["test_extras.py", "test_reference_mutants_extras.py"],
    # the table of views the faces register for the engine's objects
    "_views": ["test_reference_mutants_run.py", "test_display.py", "test_reprs.py"],
    # the glass box: the reference traces (a hand-computed pass), the trace and chain tests,
    # the inspect command's tables and JSON (in process), the overflow notes
    "trace": [
        "test_reference_trace.py",
        "test_reference_mutants_trace.py",
        "test_trace.py",
        "test_inspect_cli.py",
        "test_reprs.py",
        "test_hostile_messages.py::test_every_null_of_a_traces_json_is_explained",
        "test_hostile_messages.py::test_inspect_says_what_overflowed_in_every_format",
        "test_reference_network.py::test_trace_is_the_trace_of_this_network",
        "test_reference_mutants_network.py",
    ],
    # the input plane and the loss landscape (test_plots.py's figures are seconds each: only
    # its two tests of the grids themselves)
    "grids": [
        "test_reference_plane_edges.py",
        "test_reference_mutants_grids.py",
        "test_plots.py::test_plane_grid_layout_and_population",
        "test_plots.py::test_loss_surface_centre_path_and_flatten",
        "test_plot_defects.py::test_the_plane_of_two_chosen_inputs_is_the_networks_output_there",
    ],
    # the faces' tables: the inspect command in process (test_inspect_cli.py, the CLI's
    # inspect tests of test_trace.py), a Trace's repr, HTML and Markdown, the overflow notes
    # (the notebook's own test starts a kernel, a process of its own: left out)
    "tables": [
        "test_reference_mutants_tables.py",
        "test_inspect_cli.py",
        "test_trace.py",
        "test_reprs.py",
        "test_reference_mutants_trace.py::test_a_traces_repr_is_its_tables",
        "test_hostile_messages.py::test_inspect_says_what_overflowed_in_every_format",
    ],
    # the command line's shared options, in process (click's CliRunner and main): the errors
    # that name an option, the hostile values, the everyday commands, inspect's defaults
    "cli/options": [
        "test_reference_mutants_cli_options.py",
        "test_cli_errors_name_options.py",
        "test_hostile_cli_more.py",
        "test_cli_everyday.py",
        "test_inspect_cli.py",
    ],
    # glassnet predict, in process (CliRunner): its outputs, columns and scores, the --csv
    # reader it calls (load_inputs), the errors named by their option, the refusal of an
    # unwritable --out before any work
    "cli/predict": [
        "test_reference_mutants_predict.py",
        "test_cli_predict.py",
        "test_load_inputs.py",
        "test_cli_errors_name_options.py",
        "test_unwritable_places.py",
    ],
    # the study specification: its parser and checks (test_study_spec.py), the hostile
    # specs, the axes (without JAX's group, DESELECT)
    "study/spec": [
        "test_reference_mutants_spec.py",
        "test_study_spec.py",
        "test_study_hostile.py",
        "test_study_axes.py",
    ],
    "study/store": [
        "test_reference_store.py",
        "test_reference_mutants_store.py",
        "test_study_hostile.py",
        "test_study_run.py::test_store_layout_and_status",
        "test_study_run.py::test_a_directory_that_is_not_a_study_is_refused",
        "test_study_run.py::test_one_writer_per_study",
        "test_study_run.py::test_same_spec_rerun_trains_nothing",
        "test_study_run.py::test_resume_trains_only_missing_runs",
        "test_study_run.py::test_export_round_trip_csv_and_parquet",
    ],
}
# (tests/test_gradients.py, the finite-difference sweep, takes about a minute on a loaded
# machine: it is left out so that every mutant it would also reach costs seconds, not minutes)

# tests left out of a module's run: mutmut 3.8's worker pool reaps every child process, so a
# test that starts processes of its own (a subprocess, joblib workers) crashes it (KeyError in
# wait_for_result); these tests pass in the ordinary suite
# JAX run by the stats pass in mutmut's parent starts its threads there, and every forked
# worker that reaches JAX afterwards waits forever on a lock they held: each such mutant was
# a "timeout" (counted killed without a test failing). The training and run maps reach this one.
_NO_RULE_JAX = (
    "tests/test_reference_history.py::test_no_divergence_rule_takes_every_step_as_a_plain_loop[jax]"
)
_POPULATION_JAX = (
    "tests/test_reference_population_options.py::test_the_compiled_backend_trains_member_k_as_"
    "its_single_network"
)
DESELECT: dict[str, list[str]] = {
    # the README and docs/ are not in the scratch copy; these tests read them (no hint in them)
    "_extras": [
        "tests/test_extras.py::test_no_hint_that_fails_from_a_clone_is_left",
        "tests/test_extras.py::test_users_are_pointed_to_the_paper_they_have",
    ],
    # mutmut calls a mutated function through its trampoline, a frame outside glassnet, so a
    # warning attributed to the first caller outside glassnet points at the trampoline
    "_validation": [
        "tests/test_reference_mutants_validation.py::test_warn_nonfinite_points_at_the_callers_line",
    ],
    # JAX in a forked worker can hang on a lock its parent's threads held (a timeout, which
    # the score counts as killed); the JAX path's mutants are left to survive instead
    "evolution": [
        "tests/test_reference_evolution.py::test_the_compiled_evaluation_finds_what_numpy_finds",
    ],
    # a warning attributed to mutmut's trampoline is one location for every test, so Python
    # shows it once and the command line's copy of it never comes
    "network": [
        "tests/test_hostile_messages.py::test_the_command_line_prints_a_warning_as_one_line",
        # JAX (the hang below)
        _POPULATION_JAX,
    ],
    # the same hang: the Checkpoint tests of the compiled backend
    "training": [
        "tests/test_checkpoint.py::test_each_checkpoint_is_the_run_after_its_epoch_and_"
        f"continues_exactly[{case}-{kind}-jax]"
        for case in ("full batch gd", "mini-batch adam, shuffled", "momentum, cosine schedule")
        for kind in ("one", "population")
    ]
    + [
        "tests/test_checkpoint.py::test_chunks_of_the_compiled_program_save_at_the_end_of_the_"
        "chunk_that_reaches_a_multiple",
        # the trampolines' frames move a warning's stacklevel (as for _validation)
        "tests/test_reference_mutants_training.py::test_the_divergence_warning_points_at_the_"
        "line_that_called_fit",
        _NO_RULE_JAX,
        _POPULATION_JAX,
    ],
    "sklearn": [
        "tests/test_sklearn.py::test_sklearn_estimator_checks",
        "tests/test_sklearn.py::test_matched_cross_validation_within_two_points",
        "tests/test_sklearn.py::test_pipeline_and_grid_search",
        # JAX (the hang above)
        "tests/test_reference_mutants_sklearn.py::test_an_infinite_loss_with_finite_weights_goes_"
        "on_as_in_mlp[jax]",
    ],
    "study/spec": [
        # JAX: the hang in forked workers
        "tests/test_study_axes.py::test_backend_jax_trains_a_group_like_numpy",
        # the example specs live in examples/, which the scratch copy does not hold
        "tests/test_study_spec.py::test_example_specs_are_valid[paper_at_scale.toml-2800-4]",
        "tests/test_study_spec.py::test_example_specs_are_valid[vanishing_gradients.toml-576-36]",
    ],
    "cli/options": [
        # a process of its own (the worker pool crash above)
        "tests/test_cli_everyday.py::test_terminal_progress_has_bar_eta_and_loss",
        # JAX: the hang in forked workers
        "tests/test_cli_everyday.py::test_train_backend_option",
    ],
    "run": [
        # a process of their own (the worker pool crash above)
        "tests/test_run.py::test_a_run_saved_in_one_process_continues_in_another",
        "tests/test_run.py::test_a_run_an_estimator_trained_continues_anywhere",
        # 7 s per mutant (scikit-learn's cross-validation); the estimators' own runs are
        # sklearn.py's to test
        "tests/test_run.py::test_estimators_pickle_continue_and_cross_validate",
        # JAX: the hang in forked workers (as for evolution and training)
        "tests/test_run.py::test_the_jax_estimator_trains_as_the_numpy_one",
        "tests/test_run.py::test_continuation_across_backends_agrees_to_1e_12",
        "tests/test_run.py::test_nothing_of_jax_escapes_a_fit",
        "tests/test_run.py::test_a_member_that_diverged_stays_frozen_when_the_run_continues[jax]",
        _NO_RULE_JAX,
        # 2 s per mutant: two command-line trainings of 45 epochs; what it checks of run.py
        # (a continued run is the one run, saved and loaded) is test_a_continued_run_is_bit_for_
        # bit_one_run's and test_a_state_continues_through_pickle_and_a_model_file's, in ms
        "tests/test_run.py::test_the_command_line_continues_its_own_runs_exactly",
    ]
    + [
        "tests/test_checkpoint.py::test_each_checkpoint_is_the_run_after_its_epoch_and_"
        f"continues_exactly[{case}-{kind}-jax]"
        for case in ("full batch gd", "mini-batch adam, shuffled", "momentum, cosine schedule")
        for kind in ("one", "population")
    ]
    + [
        "tests/test_checkpoint.py::test_chunks_of_the_compiled_program_save_at_the_end_of_the_"
        "chunk_that_reaches_a_multiple",
    ],
}

# mutmut forks a worker per mutant from a process that ran the tests; a BLAS thread pool
# started there leaves the forked worker waiting forever on a lock no thread will release
# (counted as a timeout, that is as killed), so the BLAS libraries run on one thread
_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# the project's name makes the scratch copy a clone to _extras.source_checkout, as it is to the
# tests of the install hints (tools/mutate_subprocess.py writes the same)
CONFIG = """\
[project]
name = "glassnet"

[tool.mutmut]
source_paths = ["glassnet"]
only_mutate = ["glassnet/{module}.py"]
pytest_add_cli_args_test_selection = {tests}
pytest_add_cli_args = {pytest_args}
also_copy = []

[tool.pytest.ini_options]
filterwarnings = ["error"]
"""


def _module(name: str) -> str:
    name = name.removeprefix("glassnet/").removeprefix("glassnet.").removesuffix(".py")
    name = name.replace(".", "/")
    if name not in TESTS:
        raise SystemExit(f"module: expected one of {', '.join(TESTS)}, got {name!r}")
    return name


def _prepare(module: str, deselect: list[str]) -> Path:
    work = ROOT / ".mutation" / module.replace("/", "_")
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "glassnet", work / "glassnet", ignore=ignore)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
    tests = [f"tests/{t}" for t in TESTS[module]]
    pytest_args = ["-p", "no:cacheprovider", "-x", "-q"]
    for test in deselect:  # a test that fails on the unmutated code would stop mutmut
        pytest_args += ["--deselect", test]
    n = _undecorate(work / "glassnet" / f"{module}.py")
    print(
        f"{module}: {n} functions' @known_keywords, @contextmanager or click command decorators "
        "moved below them for mutmut",
        file=sys.stderr,
    )
    (work / "pyproject.toml").write_text(
        CONFIG.format(module=module, tests=json.dumps(tests), pytest_args=json.dumps(pytest_args))
    )
    return work


def _undecorate(path: Path) -> int:
    """Turn ``@known_keywords def f`` into ``def f`` followed by ``f = known_keywords(f)``
    (and ``@classmethod @known_keywords def f`` into ``@classmethod def f`` followed by
    ``f = classmethod(known_keywords(f.__func__))``, the same for ``@staticmethod``); the same
    for ``@contextmanager`` (or ``@contextlib.contextmanager``), and for a click command's
    decorators (``@click.command() @click.option(...) ... def f``: ``f = click.command()(
    click.option(...)(... f))``, the decorators' own text, in their order).

    mutmut (3.8) leaves every decorated function unmutated, and nearly every public function
    of glassnet carries ``@known_keywords``; written as an assignment after the function (in
    the scratch copy only), the function is mutated and still checks its keywords. A command
    made this way calls the mutated function when it runs, after mutmut's workers fork (the
    decorators run at import; only the options' texts, which are not mutated, are theirs).
    """
    source = path.read_text()
    lines = source.splitlines(keepends=True)
    # (first and last decorator line removed, end line, indent, the assignment written after)
    edits: list[tuple[int, int, int, str, str]] = []

    def visit(body: list[ast.stmt], top: bool) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                visit(node.body, False)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                decos = [
                    ast.unparse(d) if isinstance(d, ast.Name | ast.Attribute) else None
                    for d in node.decorator_list
                ]
                name = node.name
                first = last = node.decorator_list[-1].lineno if decos else 0
                if decos == ["known_keywords"]:
                    wrapped = f"known_keywords({name})"
                elif decos in (["contextmanager"], ["contextlib.contextmanager"]):
                    # the same for a generator made a context
                    wrapped = f"{decos[0]}({name})"
                elif decos in (
                    ["classmethod", "known_keywords"],
                    ["staticmethod", "known_keywords"],
                ):
                    # mutmut mutates a method whose one decorator is @classmethod or
                    # @staticmethod (and keeps it on the mutants); the keyword check goes
                    # back between that decorator and the function, as in the source
                    wrapped = f"{decos[0]}(known_keywords({name}.__func__))"
                elif top and decos and _is_click_command(node.decorator_list[0]):
                    texts = [ast.get_source_segment(source, d) for d in node.decorator_list]
                    wrapped = "".join(f"{t}(" for t in texts) + name + ")" * len(texts)
                    first = node.decorator_list[0].lineno
                    last = node.lineno - 1  # the decorators (and any comment between them)
                else:
                    continue
                assert node.end_lineno is not None
                indent = lines[node.lineno - 1][: node.col_offset]
                edits.append((first, last, node.end_lineno, indent, f"{name} = {wrapped}"))

    visit(ast.parse(source).body, True)
    for first, last, end, indent, assignment in sorted(edits, reverse=True):
        lines.insert(end, f"{indent}{assignment}\n")
        assert lines[first - 1].lstrip().startswith("@"), lines[first - 1]
        del lines[first - 1 : last]
    path.write_text("".join(lines))
    return len(edits)


def _is_click_command(decorator: ast.expr) -> bool:
    """``@click.command(...)`` or ``@click.group(...)`` (the outermost decorator)."""
    return isinstance(decorator, ast.Call) and ast.unparse(decorator.func) in (
        "click.command",
        "click.group",
    )


def _mutmut() -> list[str]:
    exe = Path(sys.executable).with_name("mutmut")
    if not exe.exists():
        raise SystemExit("mutmut is not installed: pip install -e '.[mutation]'")
    return [str(exe)]


def _statuses(work: Path) -> dict[str, str]:
    """Mutant name -> status, from ``mutmut results --all true``."""
    out = subprocess.run(
        [*_mutmut(), "results", "--all", "true"], cwd=work, capture_output=True, text=True
    ).stdout
    statuses = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+__mutmut_\d+): (.+)$", line)
        if m:
            statuses[m.group(1)] = m.group(2).strip()
    return statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", nargs="?", help="e.g. losses, optimizers, study/store")
    parser.add_argument("--jobs", type=int, default=2, help="parallel mutants (default 2)")
    parser.add_argument("--show", action="store_true", help="print each survivor's diff")
    parser.add_argument("--list", action="store_true", help="list modules and their tests")
    parser.add_argument(
        "--only",
        metavar="FILE",
        help="run only the mutants named in FILE, one a line (e.g. a full run's survivors); "
        "the others are reported as not checked",
    )
    parser.add_argument(
        "--deselect",
        action="append",
        default=[],
        metavar="NODEID",
        help="leave out a test that fails on the unmutated code (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.list or args.module is None:
        for module, tests in TESTS.items():
            print(f"{module:14} {' '.join(tests)}")
        return 0
    module = _module(args.module)
    work = _prepare(module, [*DESELECT.get(module, []), *args.deselect])
    only = Path(args.only).read_text().split() if args.only else []
    t0 = time.perf_counter()
    log = work / "mutmut.log"
    with open(log, "w") as fh:
        run = subprocess.run(
            [*_mutmut(), "run", "--max-children", str(args.jobs), *only],
            cwd=work,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=dict(os.environ) | _ONE_THREAD,
        )
    seconds = time.perf_counter() - t0
    statuses = _statuses(work)
    if run.returncode != 0 or not statuses:
        print(f"mutmut failed (exit {run.returncode}); see {log}", file=sys.stderr)
        return 1
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    # "no tests" survive too; "not checked" are the mutants --only left out
    scored = sum(n for s, n in counts.items() if s not in ("skipped", "not checked"))
    survivors = sorted(n for n, s in statuses.items() if s in ("survived", "no tests"))
    print(
        f"{module}: {killed}/{scored} mutants killed ({100 * killed / max(scored, 1):.1f}%) "
        f"in {seconds:.0f} s; " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items()))
    )
    for name in survivors:
        print(f"  survived: {name} ({statuses[name]})")
        if args.show:
            diff = subprocess.run(
                [*_mutmut(), "show", name], cwd=work, capture_output=True, text=True
            ).stdout
            print("    " + diff.strip().replace("\n", "\n    "))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
