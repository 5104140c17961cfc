"""Options that change the formulation (not the solver)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ModelOptions:
    """``integer_units=False`` makes chip units continuous; ``relax=True`` drops all integrality.

    ``symmetry_breaking`` orders interchangeable sites; ``dominance_cuts`` adds constraints that only cut
    off plans no cheaper than one they keep (see :mod:`gigawatt.model.sites`).
    """

    integer_units: bool = True
    relax: bool = False
    symmetry_breaking: bool = True
    dominance_cuts: bool = True

    def as_dict(self) -> dict[str, bool]:
        return asdict(self)
