"""Shared accumulators for what crosses families: facility power, compute, costs, capital, emissions.

Families register terms here; the ceiling, site capacity, node balance, policies and the objective
are each built once over everything registered, so no family can bypass them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyomo.core.expr.numeric_expr import LinearExpression

Term = tuple[float, object]  # (coefficient, Pyomo variable)


def linear(terms: list[Term], constant: float = 0.0) -> LinearExpression | float:
    """A Pyomo linear expression from (coefficient, variable) pairs, built without operator overloading."""
    terms = [(a, x) for a, x in terms if a != 0]
    if not terms:
        return constant
    return LinearExpression(constant=constant, linear_coefs=[a for a, _ in terms], linear_vars=[x for _, x in terms])


@dataclass
class Ledger:
    """Registered terms keyed by what they count toward."""

    facility_mw: dict[tuple[str, int], list[Term]] = field(default_factory=lambda: defaultdict(list))
    compute_eflops: dict[tuple[str, int], list[Term]] = field(default_factory=lambda: defaultdict(list))
    cost_usd: dict[tuple[str, int], list[Term]] = field(default_factory=lambda: defaultdict(list))
    capital_usd: dict[int, list[Term]] = field(default_factory=lambda: defaultdict(list))
    emissions_t: dict[int, list[Term]] = field(default_factory=lambda: defaultdict(list))

    def cost(self, category: str, year: int, coef: float, var: object) -> None:
        """Register a discounted cost (USD) under ``category`` in ``year``."""
        self.cost_usd[category, year].append((coef, var))
