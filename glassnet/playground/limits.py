"""Limits that protect the playground server.

Every request the page sends is checked against a :class:`Limits` before any work is done;
a request over a limit is refused with a message that names the setting, the cap and the
value that came, and the page shows that message.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Caps on what one playground session may ask of the server.

    Attributes
    ----------
    max_layers : int
        Hidden layers per network.
    max_units : int
        Units per hidden layer.
    max_samples : int
        Samples in a data set (generated or uploaded), train and test together.
    max_upload_bytes : int
        Size of an uploaded CSV file, in bytes (UTF-8 text).
    max_rate : float
        Updates (frames) per second the server sends while training.
    max_step_epochs : int
        Epochs one "step" request may ask for.
    max_epochs : int
        Epochs one run may reach before training pauses by itself.
    max_message_bytes : int
        Size of one WebSocket message from the page; larger messages close the connection.
    max_sessions : int
        Pages connected at the same time.
    grid : int
        Resolution of the decision-boundary grid (``grid x grid`` cells).
    unit_grid : int
        Resolution of each hidden unit's map.
    """

    max_layers: int = 6
    max_units: int = 16
    max_samples: int = 2000
    max_upload_bytes: int = 200_000
    max_rate: float = 20.0
    max_step_epochs: int = 1000
    max_epochs: int = 100_000
    max_message_bytes: int = 1_000_000
    max_sessions: int = 4
    grid: int = 64
    unit_grid: int = 28

    def to_dict(self) -> dict[str, Any]:
        """Return the limits as a plain dict (sent to the page in the ``hello`` message)."""
        return asdict(self)


DEFAULT_LIMITS = Limits()
