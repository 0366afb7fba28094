"""What a network does over the input plane, for the playground's pictures.

The computations live in :mod:`glassnet.grids` (shared with :mod:`glassnet.plots`, so the
playground and the figures draw the same numbers); this module names what the playground uses.
Grids are laid out as images: row 0 is the top of the plane (largest second feature), column 0
its left edge (smallest first feature).
"""

from __future__ import annotations

from glassnet.grids import Extent, plane_activations, plane_extent, plane_inputs

__all__ = ["Extent", "plane_activations", "plane_extent", "plane_inputs"]
