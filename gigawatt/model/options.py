"""Options that change the formulation (not the solver)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ModelOptions:
    """``integer_units=False`` makes chip units continuous; ``relax=True`` drops all integrality.

    ``symmetry_breaking`` orders interchangeable sites; ``dominance_cuts`` adds constraints that only cut
    off plans no cheaper than one they keep (see :mod:`gigawatt.model.sites`). ``compute_covers``
    adds valid inequalities on blocks from demand (:mod:`gigawatt.model.serving`), ``unit_open_links``
    ties each chip install to its site's opening (:mod:`gigawatt.model.chips`); both left out of ``relax``.
    ``retirement`` lets vintages of chips be retired early (:mod:`gigawatt.model.retirement`); off by default
    while its effect on solve times is measured (it lowers the default scenario's cost by about 1.5 %).
    """

    integer_units: bool = True
    relax: bool = False
    symmetry_breaking: bool = True
    dominance_cuts: bool = True
    compute_covers: bool = False
    unit_open_links: bool = False
    retirement: bool = False

    def as_dict(self) -> dict[str, bool]:
        return asdict(self)
