"""The value of a gigawatt: the one definition every figure of the ceiling's worth uses.

Between two ceilings C1 < C2 (MW), re-optimised at each, the value is the discounted cost saved
per MW of ceiling and per discounted year::

    value = (cost(C1) - cost(C2)) / ((C2 - C1) x D),   D = sum over modelled years y of Horizon.op_weight(y)

in USD per MW-year. A MIP solve proves its cost lies in [bound, objective], so the saving is proven
to lie in ``[LB(C1) - UB(C2), UB(C1) - LB(C2)] / ((C2 - C1) x D)``.

The figure counts as *proven* when that range is narrow: its width at most :data:`RANGE_TOLERANCE`
of the figure's size, or at most :data:`RANGE_FLOOR_USD_PER_MW_YR` (so that a value of zero, where
the ceiling does not bind, can be proven despite the solver's tolerances). Intervals that merely
separate prove the sign of the saving, not a figure worth printing, so they are not enough.

:func:`gigawatt.analysis.ceiling.gw_value` re-solves to get these figures; :mod:`gigawatt.sweeps`
computes them from stored runs with :func:`value_between`, the same arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gigawatt.scenario.settings import Settings

#: Largest width of the proven range, relative to the figure, for the figure to count as proven.
RANGE_TOLERANCE = 0.1
#: A range at most this wide (USD per MW-year) counts as proven whatever the figure: a value of zero, up to solver noise.
RANGE_FLOOR_USD_PER_MW_YR = 1000.0


@dataclass(frozen=True)
class GwValue:
    """The value of a gigawatt between two ceilings (USD per MW-year), with the range the solves prove.

    ``figure`` is from the two objectives; ``low`` and ``high`` from the objectives and bounds;
    ``proven`` whether the range is within :data:`RANGE_TOLERANCE` of the figure; ``ceilings_mw`` the
    pair (C1, C2); ``gaps`` the relative MIP gaps the two solves reached (None when unknown).
    """

    figure: float
    low: float
    high: float
    proven: bool
    ceilings_mw: tuple[float, float]
    gaps: tuple[float | None, float | None]

    def __str__(self) -> str:
        c1, c2 = self.ceilings_mw
        step = c2 - c1
        size = "1 GW" if step == 1000.0 else f"{step:,.0f} MW"
        scale, unit = _scale(self.figure)
        figure, low, high = (_show(v, scale) for v in (self.figure, self.low, self.high))
        head = f"value of {size} ({c1:,.0f} -> {c2:,.0f} MW): {figure}{unit} USD per MW-year"
        if self.proven:
            return f"{head}, proven {low} to {high}{unit}"
        return f"{head}, NOT proven: between {low} and {high}{unit} (a smaller MIP gap or more time would narrow it)"

    def as_dict(self) -> dict[str, object]:
        """The fields as JSON-ready values (tuples as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> GwValue:
        """The value from :meth:`as_dict`'s form; ValueError naming the first field that is missing or of the wrong type."""
        if not isinstance(data, Mapping):
            raise ValueError(f"gw_value: expected an object, got {type(data).__name__}")
        fields = {"figure": float, "low": float, "high": float, "proven": bool, "ceilings_mw": list, "gaps": list}
        for name, kind in fields.items():
            value = data.get(name)
            ok = type(value) is kind or (kind is float and type(value) is int)
            if not ok:
                raise ValueError(f"gw_value {name!r}: expected {kind.__name__}, got {type(value).__name__}")
        c1, c2 = (_number(v, "ceilings_mw") for v in _pair(data["ceilings_mw"], "ceilings_mw"))
        g1, g2 = (None if v is None else _number(v, "gaps") for v in _pair(data["gaps"], "gaps"))
        numbers = (float(data["figure"]), float(data["low"]), float(data["high"]))  # type: ignore[arg-type]
        return cls(*numbers, proven=bool(data["proven"]), ceilings_mw=(c1, c2), gaps=(g1, g2))


def discounted_years(settings: Settings) -> float:
    """``D``: the sum over modelled years of :meth:`Horizon.op_weight`, the discounted calendar years yearly costs count for."""
    from gigawatt.model.data import Horizon  # the model (and Pyomo) only when a value is worked out

    horizon = Horizon.from_settings(settings)
    return float(sum(horizon.op_weight(y) for y in horizon.years))


def value_between(
    ceilings_mw: tuple[float, float],
    costs: tuple[tuple[float, float | None], tuple[float, float | None]],
    years: float,
    gaps: tuple[float | None, float | None] = (None, None),
    tolerance: float = RANGE_TOLERANCE,
) -> GwValue:
    """The value of a GW from two solves: ``costs`` is ((objective, bound) at C1, (objective, bound) at C2), USD.

    ``years`` is ``D`` (:func:`discounted_years`). A missing bound (None) leaves that side of the range
    open (infinite), so the figure is not proven.
    """
    (c1, c2), ((ub1, lb1), (ub2, lb2)) = ceilings_mw, costs
    if not c2 > c1:
        raise ValueError(f"ceilings {c1:g} and {c2:g} MW: expected the first below the second")
    per = (c2 - c1) * years
    lb1 = -math.inf if lb1 is None else min(lb1, ub1)
    lb2 = -math.inf if lb2 is None else min(lb2, ub2)
    figure, low, high = (ub1 - ub2) / per, (lb1 - ub2) / per, (ub1 - lb2) / per
    proven = high - low <= max(tolerance * abs(figure), RANGE_FLOOR_USD_PER_MW_YR)
    return GwValue(figure, low, high, proven, (float(c1), float(c2)), gaps)


def _pair(value: object, name: str) -> tuple[object, object]:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"gw_value {name!r}: expected a list of two numbers")
    return value[0], value[1]


def _number(value: object, name: str) -> float:
    if type(value) not in (int, float):
        raise ValueError(f"gw_value {name!r}: expected numbers, got {type(value).__name__}")
    return float(value)  # type: ignore[arg-type]


def _scale(usd: float) -> tuple[float, str]:
    """The unit a figure is printed in: M (millions) from 1e6, k from 1e3, else plain USD."""
    return (1e6, " M") if abs(usd) >= 1e6 else (1e3, " k") if abs(usd) >= 1e3 else (1.0, "")


def _show(usd: float, scale: float) -> str:
    return f"{round(usd / scale, 2) + 0.0:,.2f}" if math.isfinite(usd) else f"{usd}"  # + 0.0 turns -0.0 into 0.0
