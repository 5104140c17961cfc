"""The columns a strategy acts on, found by the roles the model's families declare (:class:`gigawatt.model.family.Variables`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Columns:
    """Columns by role: whole ``units``, yearly ``blocks``, ``opens``; the entity each block and opening column belongs to."""

    units: np.ndarray
    blocks: np.ndarray
    opens: np.ndarray
    open_entity: list[str]
    block_entity: list[str]

    @classmethod
    def from_roles(cls, roles: Mapping[str, tuple[list[str], np.ndarray]]) -> Columns:
        """From ``role -> (entity of each column, columns)``; a role no family declares has no columns."""
        empty: tuple[list[str], np.ndarray] = ([], np.empty(0, dtype=np.int64))
        opened, opens = roles.get("opening", empty)
        built, blocks = roles.get("block", empty)
        return cls(units=roles.get("unit", empty)[1], blocks=blocks, opens=opens, open_entity=list(opened), block_entity=list(built))
