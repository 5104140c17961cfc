r"""Candidate-site selection: a shortlist of sites a plan is likely to use, picked from the data alone.

On large instances the LP relaxation alone takes a minute, so the first plan cannot wait for it. The
shortlist lets a much smaller MIP (every other site closed) find a plan first; it is a plan of the full
problem because closing sites only removes options. Nothing here is a bound.

Merit of a site: its levelised cost per MW of IT load over a year [USD/MW-yr],

.. math::

    pue\_peak_s \,\bigl(crf_s \, (capex\_usd\_per\_mw_s + open\_cost\_usd_s / max\_mw_s) + fixed\_om_s\bigr)
        + pue_s \, p_{n(s)} \, h \, lf

(what is built is sized at the peak PUE, the energy bought at the annual one) with ``crf`` the capital
recovery factor over the site's life at the discount rate, ``p`` the cheapest energy price at the site's
node or of a supply dedicated to it, ``h`` hours per year and ``lf`` the load factor. For every region (or the single pool) and year,
sites within reach that can open by then are taken cheapest first until their usable MW reach
``coverage`` times the region's share of the ceiling in that year (the ceiling scaled by the region's
demand over the peak total demand). Regions' reaches overlap, so a site may count for several; each year
the cheapest further sites are then taken until the shortlist as a whole holds ``coverage`` times the
ceiling's share of that year's total demand (otherwise a shortlist of 1.3x can hold less MW than the
ceiling the demand is sized for, and its restricted model is infeasible).
"""

from __future__ import annotations

from collections import defaultdict

from gigawatt.model.data import ModelData, capital_recovery_factor

#: Usable MW shortlisted per MW of a region's share of the ceiling: ever longer shortlists, tried in turn until one has a plan.
COVERAGES = (1.3, 2.5)


def site_merit(d: ModelData) -> dict[str, float]:
    """Levelised USD per MW of IT load per year of each site (lower is better)."""
    st = d.scenario.settings
    prices: dict[str, float] = {}  # cheapest energy open to every campus at a node
    own: dict[str, float] = {}  # cheapest energy of the supplies dedicated to a site
    for row in d.supply.values():
        cheapest, key = (own, row.site_id) if isinstance(row.site_id, str) else (prices, row.node_id)
        cheapest[key] = min(cheapest.get(key, float("inf")), row.energy_price_usd_per_mwh)
    energy_h = st.hours_per_year * st.load_factor
    merit = {}
    for s, row in d.site.items():
        crf = capital_recovery_factor(st.discount_rate, int(row.lifetime_years))
        price = min(prices.get(row.node_id, max(prices.values(), default=0.0)), own.get(s, float("inf")))
        built = crf * (row.capex_usd_per_mw + row.open_cost_usd / row.max_mw) + row.fixed_om_usd_per_mw_yr
        merit[s] = row.pue_peak * built + row.pue * price * energy_h
    return merit


def shortlist(d: ModelData, coverage: float = COVERAGES[0]) -> set[str]:
    """Sites covering ``coverage`` x each region's share of the ceiling in every year, cheapest first."""
    merit = site_merit(d)
    usable = {s: (row.max_mw // row.block_mw) * row.block_mw for s, row in d.site.items()}
    reach: dict[str, list[str]] = defaultdict(list)
    for r, s in d.serve_pairs:
        reach[r].append(s)
    totals: dict[int, float] = defaultdict(float)
    for (_, y), value in d.demand.items():
        totals[y] += value
    peak = max(totals.values(), default=0.0)
    ceiling = d.scenario.settings.ceiling_mw
    chosen: set[str] = set()

    def cover(ranked: list[str], y: int, need: float) -> None:
        """Add the cheapest sites of ``ranked`` open by ``y`` until those of them chosen hold ``need`` MW."""
        have = sum(usable[s] for s in ranked if s in chosen and d.site[s].earliest_year <= y)
        for s in ranked:
            if have >= need:
                break
            if s not in chosen and d.site[s].earliest_year <= y:
                chosen.add(s)
                have += usable[s]

    if peak <= 0:
        return chosen
    for r, sites in reach.items():
        ranked = sorted(sites, key=lambda s: (merit[s], s))
        for y in d.years:
            if (demand := d.demand.get((r, y), 0.0)) > 0:
                cover(ranked, y, coverage * ceiling * demand / peak)
    reachable = sorted({s for sites in reach.values() for s in sites}, key=lambda s: (merit[s], s))
    for y in d.years:
        cover(reachable, y, coverage * ceiling * totals[y] / peak)
    return chosen
