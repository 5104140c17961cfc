r"""Shared accumulators for what crosses families, in two phases: producers register, then the ledger closes.

Families that *produce* (sites, chips, supplies, links, serving, ...) register terms; then
:meth:`Ledger.close` seals the ledger and the *closers* (site capacity, node balance, the ceiling,
compute, policies, the objective) each build their rows once over everything registered. Registering
after the close raises :class:`LedgerClosed`, so a family added after the ceiling cannot be left out
of it silently.

Accumulators (each a list of ``(coefficient, variable)`` terms per key):

==================  =============  ==================================================================
``facility_mw``     (site, year)   peak facility power [MW] (IT x ``pue_peak``): the only thing site
                                   capacity and the ceiling read
``energy_mw``       (site, year)   facility power at the annual PUE [MW] (IT x ``pue``): what the site
                                   draws from the grid on average while its IT runs at full power
``it_mw``           (site, year)   IT power [MW] (reported; facility power includes cooling and losses)
``onsite_mw``       (site, year)   power supplied at the site behind the meter [MW] (on-site or bridge
                                   generation, average MW)
``cover_mw``        (site, year)   curtailed load carried behind the meter during a curtailment event of
                                   the site's non-firm grid MW [MW] (spare on-site generation, battery
                                   discharge); what it does not carry is lost compute
``injection_mw``    (node, year)   power into the node [MW]; a withdrawal is a negative injection. At the
                                   close every site's grid energy (``energy_mw`` less on-site supply,
                                   :meth:`Ledger.grid_energy`) becomes a withdrawal at its node, so node
                                   balance reads nothing else
``compute_supply``  (site, year)   compute installed and powered [EFLOP/s]
``compute_use``     (site, year)   compute drawn by workloads [EFLOP/s]; use <= supply per site and year
``family_supply``   (site, year,   compute installed of one accelerator family (``chips.family``)
                    family)        [EFLOP/s], also counted in ``compute_supply``
``family_use``      (site, year,   compute drawn by a workload bound to one accelerator family
                    family)        [EFLOP/s], also counted in ``compute_use``; use <= supply per family
``compute_served``  year           compute delivered to demand [EFLOP/s] (reported per year)
``unserved``        (workload, id, compute a workload asked for and did not get [EFLOP/s]: inference demand
                    year)          of a region, a training run left unplaced (``workload`` names which)
``forgone_usd``     year           the discounted value of that compute (also in ``cost_usd``): what the
                                   maximise-compute objective minimises
``cost_usd``        (category, y)  discounted cost [USD], through :meth:`capital` and :meth:`yearly`
``capital_usd``     year           capital spent in the year [USD, undiscounted] (the budget reads it)
``capital_spend``,  see the field  each cost as registered (capital, USD per calendar year, present value), for
``yearly_spend``,                  the cash and annualised views of the ``costs`` table; no row reads them
``present_spend``
``emissions_t``     year           CO2 [t per year] (the emission cap reads it)
==================  =============  ==================================================================

Peak and energy are kept apart: the peak PUE (the hottest hours) sizes what is built, the annual PUE
prices what is bought. Node balance is therefore an annual-average balance: supplies' draws and link
flows are MW at the annual PUE (with IT at full power), and ``draw x hours_per_year x load_factor`` is
the energy bought. With ``pue_peak = pue`` (the default) both accumulators hold the same terms.

A site's *grid draw* is its peak facility power less its on-site supply: what its interconnection
(:mod:`gigawatt.model.interconnection`) must carry. Its *grid energy* is its facility power at the annual
PUE less its on-site supply: what it withdraws at its node. On-site supply is average MW generated
behind the meter, and counts against the peak only as much as it runs (a generator kept idle as backup
does not make grid connection firm). A family that generates behind a site's meter registers it with
:meth:`Ledger.onsite` and needs no edit to the node balance or the interconnection. Facility power (what
the ceiling and site capacity count) is unchanged by it.

Costs are discounted once, here: capital of ``usd`` per unit built in year :math:`y` with a life of
:math:`L` years is an annuity paid for the calendar years inside its life in which it serves,
``usd * crf(r, L) * sum_{k=y}^{min(y+L-1, through)} (1+r)^-(k-Y0)`` (:meth:`Horizon.annuity_weight`).
What is built cumulatively (site openings and blocks, contracted supply, link expansion) stands to the
end of the horizon, so ``through`` is its last calendar year; a chip vintage is active only in the
modelled years whose whole span lies inside its life, and ``through`` is the last calendar year of those
(:meth:`Horizon.service_end`), so the calendar years paid for are the calendar years it counts. A
yearly cost is multiplied by the discounted calendar years its modelled year stands for
(:meth:`Horizon.op_weight`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from pyomo.core.expr.numeric_expr import LinearExpression

from gigawatt.model.data import Horizon

Term = tuple[float, object]  # (coefficient, Pyomo variable)


class LedgerClosed(RuntimeError):
    """A family registered a term after the closers were built."""


def linear(terms: list[Term], constant: float = 0.0) -> LinearExpression | float:
    """A Pyomo linear expression from (coefficient, variable) pairs, built without operator overloading."""
    terms = [(a, x) for a, x in terms if a != 0]
    if not terms:
        return constant
    return LinearExpression(constant=constant, linear_coefs=[a for a, _ in terms], linear_vars=[x for _, x in terms])


def entry(component: object, key: object) -> object | None:
    """``component[key]`` of an indexed Pyomo component, or None where it has no such index (a year before the first)."""
    return component[key] if key in component else None  # noqa: SIM401 (Pyomo components have no .get)


def _terms() -> defaultdict:
    return defaultdict(list)


@dataclass
class Ledger:
    """Registered terms keyed by what they count toward (see the module docstring)."""

    horizon: Horizon
    site_node: Mapping[str, str]
    facility_mw: dict[tuple[str, int], list[Term]] = field(default_factory=_terms)
    energy_mw: dict[tuple[str, int], list[Term]] = field(default_factory=_terms)
    it_mw: dict[tuple[str, int], list[Term]] = field(default_factory=_terms)
    onsite_mw: dict[tuple[str, int], list[Term]] = field(default_factory=_terms)
    cover_mw: dict[tuple[str, int], list[Term]] = field(default_factory=_terms)
    injection_mw: dict[tuple[str, int], list[Term]] = field(default_factory=_terms)
    compute_supply: dict[tuple[str, int], list[Term]] = field(default_factory=_terms)
    compute_use: dict[tuple[str, int], list[Term]] = field(default_factory=_terms)
    family_supply: dict[tuple[str, int, str], list[Term]] = field(default_factory=_terms)
    family_use: dict[tuple[str, int, str], list[Term]] = field(default_factory=_terms)
    compute_served: dict[int, list[Term]] = field(default_factory=_terms)
    unserved: dict[tuple[str, str, int], list[Term]] = field(default_factory=_terms)
    forgone_usd: dict[int, list[Term]] = field(default_factory=_terms)
    cost_usd: dict[tuple[str, int], list[Term]] = field(default_factory=_terms)
    capital_usd: dict[int, list[Term]] = field(default_factory=_terms)
    emissions_t: dict[int, list[Term]] = field(default_factory=_terms)
    #: Each cost as registered, for the cash and annualised views of the costs table: capital in USD by (category, year
    #: built, life, through), yearly costs in USD per calendar year by (category, year), present values by (category, year).
    capital_spend: dict[tuple[str, int, int, int | None], list[Term]] = field(default_factory=_terms)
    yearly_spend: dict[tuple[str, int], list[Term]] = field(default_factory=_terms)
    present_spend: dict[tuple[str, int], list[Term]] = field(default_factory=_terms)
    closed: bool = False
    _weights: dict[tuple[int, int | None, int | None], float] = field(default_factory=dict, repr=False)

    def _weight(self, year: int, life_years: int | None = None, through: int | None = None) -> float:
        """:meth:`Horizon.annuity_weight` (a life given) or :meth:`Horizon.op_weight`, computed once per key, not per column."""
        key = (year, life_years, through)
        if key not in self._weights:
            h = self.horizon
            self._weights[key] = h.op_weight(year) if life_years is None else h.annuity_weight(year, life_years, through)
        return self._weights[key]

    def _open(self) -> None:
        if self.closed:
            raise LedgerClosed("the ledger is closed: a family registered a term after the closers (ceiling, balances) were built")

    # -- power and compute ---------------------------------------------------------------------------------------------
    def power(self, site: str, year: int, facility_mw: float, it_mw: float, var: object, energy_mw: float | None = None) -> None:
        """Register a load at ``site`` per unit of ``var``: peak ``facility_mw`` (site capacity, the ceiling), ``it_mw`` and
        ``energy_mw``, the facility power at the annual PUE withdrawn at its node (None: ``facility_mw``)."""
        self._open()
        self.facility_mw[site, year].append((facility_mw, var))
        self.energy_mw[site, year].append((facility_mw if energy_mw is None else energy_mw, var))
        if it_mw:
            self.it_mw[site, year].append((it_mw, var))

    def onsite(self, site: str, year: int, mw: float, var: object) -> None:
        """Register ``mw`` per unit of ``var`` supplied behind the meter at ``site`` (its grid draw falls by as much)."""
        self._open()
        self.onsite_mw[site, year].append((mw, var))

    def cover(self, site: str, year: int, mw: float, var: object) -> None:
        """Register ``mw`` per unit of ``var`` of curtailed load carried behind ``site``'s meter during a curtailment event."""
        self._open()
        self.cover_mw[site, year].append((mw, var))

    def grid_draw(self, site: str, year: int) -> list[Term]:
        """The terms of the site's peak grid draw [MW]: peak facility power less on-site supply."""
        return self.facility_mw.get((site, year), []) + self._less_onsite(site, year)

    def grid_energy(self, site: str, year: int) -> list[Term]:
        """The terms of the site's average grid draw [MW]: facility power at the annual PUE less on-site supply."""
        return self.energy_mw.get((site, year), []) + self._less_onsite(site, year)

    def _less_onsite(self, site: str, year: int) -> list[Term]:
        return [(-a, x) for a, x in self.onsite_mw.get((site, year), [])]

    def inject(self, node: str, year: int, mw: float, var: object) -> None:
        """Register ``mw`` per unit of ``var`` flowing into ``node`` (negative: out of it)."""
        self._open()
        self.injection_mw[node, year].append((mw, var))

    def supply_compute(self, site: str, year: int, eflops: float, var: object, family: str | None = None) -> None:
        """Register compute available at ``site`` [EFLOP/s per unit of ``var``], of accelerator ``family`` when given."""
        self._open()
        self.compute_supply[site, year].append((eflops, var))
        if family is not None:
            self.family_supply[site, year, family].append((eflops, var))

    def use_compute(self, site: str, year: int, eflops: float, var: object, served: bool = True, family: str | None = None) -> None:
        """Register compute drawn at ``site`` [EFLOP/s per unit of ``var``]; ``served`` counts it as delivered to demand;
        ``family`` binds it to compute of that accelerator family (None: any family)."""
        self._open()
        self.compute_use[site, year].append((eflops, var))
        if served:
            self.compute_served[year].append((eflops, var))
        if family is not None:
            self.family_use[site, year, family].append((eflops, var))

    def unserve(self, workload: str, key: str, year: int, eflops: float, var: object) -> None:
        """Register ``eflops`` per unit of ``var`` that ``workload`` ``key`` asked for in ``year`` and did not get."""
        self._open()
        self.unserved[workload, key, year].append((eflops, var))

    def forgo(self, category: str, year: int, usd: float, var: object) -> None:
        """Register the discounted value (USD per unit of ``var``) of compute not delivered: a cost under ``category``
        that the maximise-compute objective reads on its own."""
        self.discounted(category, year, usd, var)
        self.forgone_usd[year].append((usd, var))

    # -- money and emissions -------------------------------------------------------------------------------------------
    def capital(self, category: str, year: int, life_years: int, usd: float, var: object, through: int | None = None) -> None:
        """Register capital of ``usd`` per unit of ``var`` built in ``year``: its annuity for the calendar years it serves
        (to ``through``; None: to the end of the horizon), and the spend."""
        self._open()
        self.cost_usd[category, year].append((usd * self._weight(year, life_years, through), var))
        self.capital_usd[year].append((usd, var))
        self.capital_spend[category, year, life_years, through].append((usd, var))

    def capital_step(self, category: str, year: int, life_years: int, usd: float, now: object, before: object | None) -> None:
        """Capital on what is new in ``year``: ``usd`` x (``now`` - ``before``) for a cumulative quantity (``before`` None: nothing)."""
        self.capital(category, year, life_years, usd, now)
        if before is not None:
            self.capital(category, year, life_years, -usd, before)

    def yearly(self, category: str, year: int, usd_per_year: float, var: object) -> None:
        """Register a cost of ``usd_per_year`` per unit of ``var`` in each calendar year modelled ``year`` stands for."""
        self._open()
        self.cost_usd[category, year].append((usd_per_year * self._weight(year), var))
        self.yearly_spend[category, year].append((usd_per_year, var))

    def discounted(self, category: str, year: int, usd: float, var: object) -> None:
        """Register an already discounted cost (present value, USD) per unit of ``var`` under ``category``."""
        self._open()
        self.cost_usd[category, year].append((usd, var))
        self.present_spend[category, year].append((usd, var))

    def emit(self, year: int, t_per_year: float, var: object) -> None:
        """Register ``t_per_year`` of CO2 per unit of ``var``."""
        self._open()
        self.emissions_t[year].append((t_per_year, var))

    # -- the close -----------------------------------------------------------------------------------------------------
    def close(self) -> None:
        """Seal the ledger: every site's grid energy becomes a withdrawal at its node; later registrations raise."""
        self._open()
        for site, year in dict.fromkeys([*self.energy_mw, *self.onsite_mw]):
            self.injection_mw[self.site_node[site], year] += [(-a, x) for a, x in self.grid_energy(site, year)]
        self.closed = True
