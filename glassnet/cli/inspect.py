r"""``glassnet inspect``: every number of one forward and backward pass, layer by layer.

With no options it shows the paper's own network (3-2-1, sigmoid, one bias per layer, the
paper's initial values from seed 1) on the paper's four cases, with the sum-of-squares cost and
gradient descent at ``eta = 0.5``: the numbers a student gets by hand from the paper's
derivation (docs/paper.md, "The derivation")::

    glassnet inspect
    glassnet inspect --format md > first_epoch.md
    glassnet inspect --activation tanh --output tanh01 --samples 0,1
    glassnet inspect --dataset xor --hidden 3 --init xavier --seed 0 --loss bce
    glassnet inspect --model model.npz --x "0,0,1" --y 0 --x "1,1,1" --y 1
    glassnet inspect --chain --samples 1          # the chain rule of one sample, op by op
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import click

from glassnet._validation import NonFiniteWarning, index_range
from glassnet.cli.options import PAPER_DEFAULTS, Options, shared_options
from glassnet.tables import render, render_chain

FORMATS = ("table", "md", "json")


# --- argument parsing --------------------------------------------------------------------------


def _ints(text: str, argument: str) -> list[int]:
    try:
        # an empty item (``3,,2``, ``0,``, ``""``) is a typo, not a row to skip
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise click.BadParameter(
            f"expected comma-separated integers like 0,2, got {text!r}", param_hint=argument
        ) from None


#: The most units of one layer the tables show (each unit is a column of several tables).
MAX_TABLE_UNITS = 100
#: The most numbers one inspection prints (JSON included): every z, a, delta and gradient.
MAX_NUMBERS = 2_000_000


def _check_size(net: Any, n_samples: int, fmt: str, option: str) -> None:
    """Refuse, before the pass, a network whose every number would not make a readable (or
    bounded) print-out, naming the option that made it."""
    widest = max(net.sizes)
    if fmt != "json" and widest > MAX_TABLE_UNITS:
        raise click.BadParameter(
            f"the tables show every unit as a column, at most {MAX_TABLE_UNITS} per layer; this "
            f"network has a layer of {widest}: use a smaller network, or --format json",
            param_hint=option,
        )
    numbers = (net.population or 1) * (8 * n_samples * sum(net.sizes) + 3 * net.n_params)
    if numbers > MAX_NUMBERS:
        raise click.BadParameter(
            f"the pass of this {'-'.join(map(str, net.sizes))} network on {n_samples} samples "
            f"has about {numbers:.3g} numbers to print, more than {MAX_NUMBERS:.3g}: use a "
            "smaller network, or --samples to trace fewer rows",
            param_hint=option,
        )


# --- the command ---------------------------------------------------------------------------------


@click.command("inspect")
@shared_options(PAPER_DEFAULTS, training=("optimizer", "lr"))
@click.option("--member", type=int, default=None,
              help="Which member of a population model to show [default: 0].")  # fmt: skip
@click.option("--samples", help="Trace only these data rows, e.g. 0,2 (0-based).")
@click.option(
    "--format", "-f", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="Terminal tables, Markdown with LaTeX formulas, or JSON.",
)  # fmt: skip
@click.option("--digits", type=click.IntRange(1, 17), default=6, show_default=True,
              help="Decimals shown (table, md).")  # fmt: skip
@click.option("--max-rows", type=click.IntRange(min=1), default=10, show_default=True,
              help="Samples shown per table (table, md).")  # fmt: skip
@click.option("--chain", is_flag=True,
              help="The chain rule of one sample: every multiply, add, activation and the cost "
                   "with its value and gradient (the first row, or the one --samples names).")  # fmt: skip
def inspect_cmd(
    opts: Options,
    member: int | None,
    samples: str | None,
    fmt: str,
    digits: int,
    max_rows: int,
    chain: bool,
) -> None:
    """Print every number of one forward and backward pass, layer by layer.

    The defaults are the paper's experiment: its 3-2-1 sigmoid network with one bias per
    layer and its initial values (seed 1), its four cases, the summed squared error and
    gradient descent with eta = 0.5 -- so the numbers can be checked against a hand
    computation from the paper's derivation (docs/paper.md, "The derivation") line by
    line (the one documented exception to the defaults
    the other commands share with `glassnet train`). The numbers are the engine's own (the
    ones `glassnet train` uses), not a separate calculation. With --model, the model's
    network, data set, loss and optimizer: a model that holds its run (saved by any face)
    shows the step its optimizer takes next, from its state.
    """
    # an overflow is a note in the output itself (tables, Markdown, JSON): no warning beside it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonFiniteWarning)
        _inspect(opts, member, samples, fmt, digits, max_rows, chain)


def _inspect(
    opts: Options,
    member: int | None,
    samples: str | None,
    fmt: str,
    digits: int,
    max_rows: int,
    chain: bool,
) -> None:
    X, y, source = opts.load_data()
    net = opts.build(X, y)
    _, loss = opts.output_and_loss(y, net)
    rows = _ints(samples, "--samples") if samples is not None else None
    n_rows = 1 if chain else len(rows) if rows else X.shape[0]
    _check_size(net, n_rows, fmt, "--model" if opts.model else "--hidden")
    # a model that holds its run is traced from its state: the step its optimizer takes next
    run = {k: v for k, v in opts.settings(net, loss).items() if k in ("loss", "optimizer", "lr")}
    kwargs: dict[str, Any] = dict(run, samples=rows)
    if opts.resumes(net):
        loss = net.train_state.config.replace(**run).loss_name
    if net.population is None:
        if member is not None:
            raise click.BadParameter(
                f"this is a single network, not a population; got --member {member}",
                param_hint="--member",
            )
    else:
        P = net.population
        if member is not None and not -P <= member < P:
            raise click.BadParameter(
                f"expected a member index from 0 to {P - 1}, got {member}", param_hint="--member"
            )
        kwargs["member"] = 0 if member is None else member
    if chain:
        from glassnet.trace import chain as chain_of

        if rows is not None and len(rows) != 1:
            raise click.BadParameter(
                f"--chain follows one sample; expected one row, got {len(rows)}",
                param_hint="--samples",
            )
        if rows is not None and not -X.shape[0] <= rows[0] < X.shape[0]:
            raise click.BadParameter(
                f"expected a row index {index_range(X.shape[0])}, got {rows[0]}",
                param_hint="--samples",
            )
        one = net if net.population is None else net.member(kwargs["member"])
        c = chain_of(one, X, y, loss=loss, sample=0 if rows is None else rows[0])
        if fmt == "json":
            click.echo(json.dumps({**c.to_dict(), "data": source}, allow_nan=False))
        else:
            title = f"glassnet inspect --chain: {source} data, sample {c.sample}"
            click.echo(render_chain(c, fmt, digits=digits, title=title), nl=False)
        return
    t = net.trace(X, y, **kwargs)
    if fmt == "json":
        data = t.to_dict()
        data["data"] = source
        click.echo(json.dumps(data, allow_nan=False))
        return
    title = f"glassnet inspect: {source} data" + (f", model {opts.model}" if opts.model else "")
    click.echo(render(t, fmt, digits=digits, max_rows=max_rows, title=title), nl=False)
