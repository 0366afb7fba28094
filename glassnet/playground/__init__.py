"""A live playground in the browser, driven by the real engine.

``glassnet playground`` starts :func:`glassnet.playground.server.serve`; the page (plain
HTML/JS in ``static/``) talks to it over a WebSocket (:mod:`glassnet.playground.protocol`),
and each page's network trains on the server in a :class:`~glassnet.playground.session.Session`.
Needs the ``playground`` extra (aiohttp) for the server; the session and protocol do not.
:func:`widget` shows the same pictures in a Jupyter notebook (the ``notebook`` extra).
"""

from typing import Any

from glassnet.playground.limits import DEFAULT_LIMITS, Limits

__all__ = ["DEFAULT_LIMITS", "Limits", "widget"]


def widget(net: Any = None, X: Any = None, y: Any = None, **kwargs: Any) -> Any:
    """The playground in a Jupyter notebook: around ``net`` (trained in place), or the whole
    page (a setup, a lesson); see :func:`glassnet.playground.notebook.widget` (needs the
    ``notebook`` extra, anywidget)."""
    from glassnet.playground.notebook import widget as make

    return make(net, X, y, **kwargs)
