"""Model data: the validated scenario reduced to index sets and coefficients the families read.

Only combinations that can exist are listed: a site from its earliest year, a chip on sale and
cooled, a serving pair within latency. Everything here is computed once, before Pyomo is touched.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pandas as pd

from gigawatt.scenario import Scenario, Settings
from gigawatt.scenario.schema import RTT_MS_PER_KM

EARTH_RADIUS_KM = 6371.0


def great_circle_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Haversine distance in km between points given in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def capital_recovery_factor(rate: float, life_years: int) -> float:
    """Yearly payment per USD of capital over ``life_years`` at ``rate``, paid at the start of each year.

    Payments of ``crf`` in each of the ``life_years`` years discount back to exactly 1 USD in the year
    built, matching yearly costs that are discounted from the start of the horizon.
    """
    if rate == 0:
        return 1.0 / life_years
    paid = -math.expm1(-life_years * math.log1p(rate))  # 1 - (1 + rate)^-life, exact also where 1 + rate rounds to 1
    return rate / ((1.0 + rate) * paid)


@dataclass(frozen=True)
class Horizon:
    """Modelled years, the calendar years each stands for, and discounting."""

    years: tuple[int, ...]
    weights: dict[int, int]
    rate: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Horizon:
        """The horizon of a scenario's settings: its years, their weights and its discount rate."""
        return cls(tuple(settings.years), settings.year_weights, settings.discount_rate)

    @property
    def first(self) -> int:
        return self.years[0]

    @property
    def end(self) -> int:
        """Last calendar year inside the horizon."""
        return self.years[-1] + self.weights[self.years[-1]] - 1

    def discount(self, calendar_year: int) -> float:
        return (1.0 + self.rate) ** -(calendar_year - self.first)

    def op_weight(self, year: int) -> float:
        """Discounted calendar years represented by modelled ``year`` (multiplies yearly costs)."""
        return sum(self.discount(k) for k in range(year, year + self.weights[year]))

    def in_service(self, built: int, life_years: int, year: int) -> bool:
        """Whether a unit installed at the start of modelled year ``built`` is active in modelled ``year``.

        It is when the whole span of ``year`` (calendar years ``year .. year + w_year - 1``) lies inside its
        life (``built .. built + life_years - 1``): ``built <= year`` and ``year + w_year <= built + life_years``.
        With yearly steps (every ``w`` 1) this is ``built <= year < built + life_years``. With longer steps a
        period the life ends inside is not served: a 5-year unit installed in 2026 with years 2026, 2028,
        2030 (``w`` = 2) is active in 2026 and 2028 (calendar 2026-2029, 4 years) and not in 2030
        (2030-2031 would need a life to 2031).
        """
        return built <= year and year + self.weights[year] <= built + life_years

    def service_end(self, built: int, life_years: int) -> int:
        """Last calendar year of the modelled years a unit installed in ``built`` is active in (:meth:`in_service`).

        The active years run on from ``built`` without a gap, so the unit serves the calendar years
        ``built .. service_end`` (``built - 1``: none, a life shorter than the period it is installed in).
        """
        return max((y + self.weights[y] - 1 for y in self.years if self.in_service(built, life_years, y)), default=built - 1)

    def annuity_weight(self, year: int, life_years: int, through: int | None = None) -> float:
        r"""Discounted cost per USD of capital built in ``year``: the annuity paid for the calendar years it serves.

        ``crf(r, L) * sum_{k=year}^{last} (1+r)^-(k-Y0)`` with ``last = min(year + L - 1, through)``: years
        inside its life up to the last calendar year it serves, ``through`` (the horizon's end when None:
        what is built stays to the end). A chip vintage serves to :meth:`service_end`, so the calendar years
        paid for are exactly those of the modelled years it is active in: with years 2026, 2028, 2030 and
        ``r`` = 0, a 5-year unit bought in 2026 pays 4 x 1/5 of its price for the 4 calendar years
        2026-2029 it counts (not 5/5 for 6 counted years).
        """
        last = min(year + life_years - 1, self.end if through is None else through)
        return capital_recovery_factor(self.rate, life_years) * sum(self.discount(k) for k in range(year, last + 1))

    def previous(self, year: int) -> int | None:
        i = self.years.index(year)
        return self.years[i - 1] if i else None

    def step(self, year: int) -> int:
        """Calendar years of construction leading to modelled ``year``: since the previous modelled year (1 for the first)."""
        before = self.previous(year)
        return 1 if before is None else year - before


def rows(frame: pd.DataFrame) -> dict[str, SimpleNamespace]:
    """Each row of an id-indexed table as a namespace (``d.site[s].pue``): fast scalar access."""
    return {key: SimpleNamespace(**record) for key, record in frame.to_dict("index").items()}


@dataclass
class ModelData:
    """Index sets (lists of tuples) and per-entity parameters the model families read.

    ``chips`` holds every chip's ``family`` (:meth:`Scenario.chip_family`: the chip_id where empty); ``sites``
    holds every site's ``pue_peak`` (:meth:`Scenario.pue_peak`: filled from ``pue_peak_factor``
    where the scenario leaves it empty) and ``ramp_mw_per_year`` (infinite where empty: no limit).

    Tables are kept as DataFrames for vectorised work and as ``site``/``chip``/``link``/``supply``
    dictionaries of rows for scalar lookups inside the build loops.
    """

    scenario: Scenario
    horizon: Horizon
    sites: pd.DataFrame
    chips: pd.DataFrame
    nodes: pd.DataFrame
    links: pd.DataFrame
    supplies: pd.DataFrame
    demand: dict[tuple[str, int], float]
    regions: list[str]
    site_years: list[tuple[str, int]]
    chip_site_years: list[tuple[str, str, int]]
    serve_pairs: dict[tuple[str, str], float]  # (region, site) -> serving cost USD per EFLOP/s-yr
    serve_index: list[tuple[str, str, int]]
    link_years: list[tuple[str, int]]
    supply_years: list[tuple[str, int]]
    symmetric_site_pairs: list[tuple[str, str]] = field(default_factory=list)
    #: (region, year) -> USD per EFLOP/s-year of demand not served, for demand rows with a value (the others are strict)
    demand_value: dict[tuple[str, int], float] = field(default_factory=dict)
    site: dict[str, SimpleNamespace] = field(default_factory=dict)
    chip: dict[str, SimpleNamespace] = field(default_factory=dict)
    link: dict[str, SimpleNamespace] = field(default_factory=dict)
    supply: dict[str, SimpleNamespace] = field(default_factory=dict)

    @property
    def years(self) -> tuple[int, ...]:
        return self.horizon.years

    def active_vintages(self) -> dict[tuple[str, str, int], list[int]]:
        """(chip, site, year) -> install years still active then (:meth:`Horizon.in_service`: the whole of year y
        lies inside the vintage's life)."""
        by_cs: dict[tuple[str, str], list[int]] = defaultdict(list)
        for c, s, v in self.chip_site_years:
            by_cs[c, s].append(v)
        life = {c: int(row.lifetime_years) for c, row in self.chip.items()}
        out: dict[tuple[str, str, int], list[int]] = {}
        for (c, s), vintages in by_cs.items():
            for y in self.years:
                live = [v for v in vintages if self.horizon.in_service(v, life[c], y)]
                if live:
                    out[c, s, y] = live
        return out


def build_data(scenario: Scenario) -> ModelData:
    """Reduce a validated scenario to the sparse sets and parameters of the model."""
    st = scenario.settings
    horizon = Horizon.from_settings(st)
    sites = scenario.tables["sites"].set_index("site_id", drop=False)
    sites = sites.assign(pue_peak=scenario.pue_peak(), ramp_mw_per_year=sites["ramp_mw_per_year"].fillna(math.inf))
    chips = scenario.tables["chips"].set_index("chip_id", drop=False).assign(family=scenario.chip_family())
    nodes = scenario.tables["nodes"].set_index("node_id", drop=False)
    links = scenario.links.set_index("link_id", drop=False)
    supplies = scenario.tables["supplies"].set_index("supply_id", drop=False)

    site_years = [(s, y) for s, first in sites["earliest_year"].items() for y in horizon.years if y >= first]
    open_years = defaultdict(list)
    for s, y in site_years:
        open_years[s].append(y)
    site, chip = rows(sites), rows(chips)
    chip_site_years = [
        (c, s, y)
        for c, cr in chip.items()
        for s, sr in site.items()
        if cr.cooling == "air" or sr.cooling == "liquid"
        for y in open_years[s]
        if cr.first_year <= y <= cr.last_year
    ]

    demand_table = scenario.tables["demand"]
    demand = demand_table.groupby(["region_id", "year"])["eflops"].sum().to_dict()
    regions = sorted(demand_table["region_id"].unique())
    serve_pairs = _serve_pairs(scenario, sites, regions)
    serve_index = [(r, s, y) for (r, s) in serve_pairs for y in open_years[s] if demand.get((r, y), 0.0) > 0]

    link_years = [(link, y) for link in links.index for y in horizon.years]
    supply_years = [(g, y) for g, first in supplies["earliest_year"].items() for y in horizon.years if y >= first]
    data = ModelData(
        scenario,
        horizon,
        sites,
        chips,
        nodes,
        links,
        supplies,
        demand,
        regions,
        site_years,
        chip_site_years,
        serve_pairs,
        serve_index,
        link_years,
        supply_years,
        site=site,
        chip=chip,
        link=rows(links),
        supply=rows(supplies),
    )
    data.symmetric_site_pairs = _symmetric_pairs(data)
    valued = demand_table.dropna(subset=["value_usd_per_eflops_yr"])[["region_id", "year", "value_usd_per_eflops_yr"]]
    data.demand_value = {(r, int(y)): float(v) for r, y, v in valued.itertuples(index=False)}
    return data


def _serve_pairs(scenario: Scenario, sites: pd.DataFrame, regions: list[str]) -> dict[tuple[str, str], float]:
    """Allowed (region, site) pairs with their serving cost; all sites for the single pool."""
    if "regions" not in scenario.tables:
        return {(r, s): 0.0 for r in regions for s in sites.index}
    reg = scenario.tables["regions"].set_index("region_id")
    if "serving" in scenario.tables:
        serving = scenario.tables["serving"]
        pairs = {}
        for row in serving.itertuples(index=False):
            latency = row.latency_ms
            if latency is None or (isinstance(latency, float) and math.isnan(latency)):
                latency = _latency(scenario, reg.loc[row.region_id], sites.loc[row.site_id])
            if latency <= reg.loc[row.region_id, "max_latency_ms"]:
                pairs[row.region_id, row.site_id] = float(row.cost_usd_per_eflops_yr)
        return pairs
    pairs = {}
    for r in regions:
        rrow = reg.loc[r]
        lat = _latency(scenario, rrow, sites)
        for s in sites.index[np.asarray(lat) <= rrow.max_latency_ms]:
            pairs[r, s] = 0.0
    return pairs


def _latency(scenario: Scenario, region: pd.Series, sites: pd.DataFrame | pd.Series) -> np.ndarray:
    km = great_circle_km(region["lat"], region["lon"], np.asarray(sites["lat"]), np.asarray(sites["lon"]))
    return km * scenario.settings.latency_route_factor * RTT_MS_PER_KM


SITE_SIGNATURE = [
    "node_id",
    "max_mw",
    "block_mw",
    "open_cost_usd",
    "capex_usd_per_mw",
    "fixed_om_usd_per_mw_yr",
    "pue",
    "pue_peak",
    "ramp_mw_per_year",
    "cooling",
    "earliest_year",
    "lifetime_years",
]


def _attached_sites(scenario: Scenario) -> set[str]:
    """Sites named by rows of other tables (interconnection tranches, dedicated supplies): each has something of its own."""
    named = [scenario.tables["supplies"]["site_id"]]
    if "interconnection" in scenario.tables:
        named.append(scenario.tables["interconnection"]["site_id"])
    return {s for column in named for s in column.dropna()}


def _symmetric_pairs(data: ModelData) -> list[tuple[str, str]]:
    """Consecutive pairs of interchangeable sites (same data, same serving reach and training runs allowed there, nothing of
    their own elsewhere); with a training run that may span campuses, also the same place (latencies to other campuses)."""
    reach: dict[str, tuple] = defaultdict(tuple)
    for (r, s), cost in sorted(data.serve_pairs.items()):
        reach[s] = (*reach[s], (r, cost))
    runs = data.scenario.tables.get("training_runs")
    if runs is not None:
        pairs = data.scenario.tables.get("training_sites", pd.DataFrame(columns=["run_id", "site_id", "cost_usd"]))
        for r, s, cost in sorted(zip(pairs["run_id"], pairs["site_id"], pairs["cost_usd"], strict=True)):
            reach[s] = (*reach[s], ("training", r, cost))
        if (runs["max_campuses"] > 1).any():
            for s, lat, lon in zip(data.sites.index, data.sites["lat"], data.sites["lon"], strict=True):
                reach[s] = (*reach[s], ("at", lat, lon))
    groups: dict[tuple, list[str]] = defaultdict(list)
    attached = _attached_sites(data.scenario)
    signatures = data.sites[SITE_SIGNATURE].itertuples(index=False, name=None)
    for s, signature in zip(data.sites.index, signatures, strict=True):
        if s not in attached:
            groups[(*signature, reach[s])].append(s)
    return [(a, b) for members in groups.values() for a, b in itertools.pairwise(members)]
