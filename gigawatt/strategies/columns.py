"""The columns a strategy acts on, found by the roles the model's families declare (:class:`gigawatt.model.family.Variables`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


def _none() -> np.ndarray:
    return np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class Columns:
    """Columns by role: whole ``units``, yearly ``blocks``, ``opens``; the entity each block and opening column belongs to;
    ``assignments`` (each places one workload whole on one choice)."""

    units: np.ndarray
    blocks: np.ndarray
    opens: np.ndarray
    open_entity: list[str]
    block_entity: list[str]
    assignments: np.ndarray = field(default_factory=_none)

    @classmethod
    def from_roles(cls, roles: Mapping[str, tuple[list[str], np.ndarray]]) -> Columns:
        """From ``role -> (entity of each column, columns)``; a role no family declares has no columns."""
        empty: tuple[list[str], np.ndarray] = ([], _none())
        opened, opens = roles.get("opening", empty)
        built, blocks = roles.get("block", empty)
        return cls(
            units=roles.get("unit", empty)[1],
            blocks=blocks,
            opens=opens,
            open_entity=list(opened),
            block_entity=list(built),
            assignments=roles.get("assignment", empty)[1],
        )
