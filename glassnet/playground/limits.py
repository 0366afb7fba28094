"""Limits that protect the playground server, and the refusal they raise.

Every request the page sends is checked against a :class:`Limits` before any work is done;
a request over a limit is refused (:class:`ProtocolError`) with a message that names the
setting, the cap and the value that came, and the page shows that message.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class ProtocolError(ValueError):
    """A message or setting the server refuses; ``field`` names the setting at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


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
    max_model_bytes : int
        Size of a model file loaded into the page, in bytes.
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
    max_seeds : int
        Networks trained at once in seeds mode (the population's size).
    max_step_seconds : float
        Estimated work one message may ask for, in seconds of this machine's reference speed
        (see :func:`glassnet.playground.session.epoch_seconds`): a "step" over it is refused.
    max_epoch_seconds : float
        Estimated work of one epoch. Training is cancelled between epochs (pause, a closed
        page, Ctrl-C), so this bounds how long a pause can wait; a setup over it is refused.
    grid : int
        Resolution of the decision-boundary grid (``grid x grid`` cells).
    unit_grid : int
        Resolution of each hidden unit's map.
    """

    max_layers: int = 6
    max_units: int = 16
    max_samples: int = 2000
    max_upload_bytes: int = 200_000
    max_model_bytes: int = 200_000
    max_rate: float = 20.0
    max_step_epochs: int = 1000
    max_epochs: int = 100_000
    max_message_bytes: int = 1_000_000
    max_sessions: int = 4
    max_seeds: int = 32
    max_step_seconds: float = 10.0
    max_epoch_seconds: float = 0.25
    grid: int = 64
    unit_grid: int = 28

    def to_dict(self) -> dict[str, Any]:
        """Return the limits as a plain dict (sent to the page in the ``hello`` message)."""
        return asdict(self)


DEFAULT_LIMITS = Limits()
