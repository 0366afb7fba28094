"""``glassnet playground``: start the live playground and open it in the browser."""

from __future__ import annotations

import asyncio
import webbrowser

import click


@click.command("playground")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Loopback address to bind (127.0.0.1, ::1 or localhost).",
)
@click.option(
    "--port", default=0, show_default=True, type=int, help="Port to listen on (0 = a free one)."
)
@click.option("--no-browser", is_flag=True, help="Do not open the page in a web browser.")
def playground(host: str, port: int, no_browser: bool) -> None:
    """Train a network live in your browser (a local web server; Ctrl-C stops it)."""
    try:
        from glassnet.playground import server
    except ModuleNotFoundError as exc:  # aiohttp missing
        from glassnet._extras import install_hint

        raise click.ClickException(
            f"the playground needs {exc.name}: {install_hint('playground')}"
        ) from None
    sock = server.bind(host, port)

    def ready(url: str) -> None:
        click.echo(f"glassnet playground running at {url}  (Ctrl-C to stop)")
        if not no_browser:
            webbrowser.open(url)

    try:
        asyncio.run(server.serve(sock, ready=ready, signals=True, blas_threads=1))
        click.echo("stopped")
    except KeyboardInterrupt:
        click.echo("stopped")
