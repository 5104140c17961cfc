"""Seeded synthetic scenarios of any size, feasible by construction.

>>> from benchmarks.generator import synthetic_scenario
>>> scn = synthetic_scenario(sites=200, chips=8, years=10, seed=0)

What gets generated (units as in the scenario format):

* nodes spread over a continental box; sites clustered around them (100-2000 MW, blocks of 50-250 MW,
  PUE 1.08-1.25 liquid / 1.2-1.4 air, earliest years spread over the first 60 % of the horizon);
* links: a geographic random spanning tree plus extra edges to near neighbours, some expandable, some
  of those with a fixed build cost; losses and expansion cost grow with length;
* a zero-capital grid supply at every node (40-110 USD/MWh) covering 40-120 % of its sites, and at
  some nodes a later supply that costs capital;
* chips whose sale windows (4-8 years) overlap and cover the horizon, air-cooled servers (8 accelerators,
  10-20 kW) and liquid racks (36 or 72 accelerators, 55-140 kW); PFLOP/s per kW grows 25 % a year of
  introduction while USD per PFLOP/s stays flat (+-15 %), so a chip still on sale competes with its
  successor on capital but not on power; yearly unit caps sized against the ceiling;
* regions whose latency bounds each reach 35-65 % of the sites (or one demand pool);
* with ``training_runs``, chips in ``families`` accelerator families (by turns) and training runs of 1-3 years
  sized 0.2-1.5x the compute a median campus hosts with the chips on sale, some bound to one family, some
  allowed to span 2-3 campuses within 10-30 ms; every run carries a value (``run_value`` x a chip's capital
  annuity per EFLOP/s-year), so the certificate below still proves feasibility (a run may stay unplaced).

Feasibility: a greedy plan (the :class:`Certificate`) is simulated while generating. Every region gets
its own reachable sites, a share of the ceiling and of each chip's yearly cap; sites draw only on their
node's grid supply (links unused); each year the most power-efficient chips on sale are installed at the
lowest-PUE sites, in whole units, until the region's demand is met. Demand grows by ``demand_growth`` a
year (faster than chip efficiency) and its final level is ``demand_margin`` times the largest level the
greedy plan can meet, so the ceiling binds late in the horizon (the cheaper, less efficient chips would
draw more) while a feasible plan provably exists.

Knobs are the fields of :class:`Knobs`; :data:`FAMILIES` holds named presets over them.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gigawatt.model.data import RTT_MS_PER_KM, great_circle_km
from gigawatt.scenario import Scenario

LAT_RANGE = (28.0, 47.0)  # degrees: roughly the contiguous United States
LON_RANGE = (-122.0, -72.0)  # degrees
ROUTE_FACTOR = 1.3  # fibre route / great-circle distance (scenario setting latency_route_factor)
REFERENCE_YEAR = 2024  # chip figures are anchored here (H100-class: 0.75 PFLOP/s per kW, 25,000 USD per PFLOP/s)
SAFETY = 1e-9  # relative slack kept by the certificate on every capacity it uses
SERVING_USD_PER_EFLOPS_YR_KM = 2_000.0  # facility location: serving cost per EFLOP/s-year and km of distance


@dataclass(frozen=True)
class Knobs:
    """Everything the generator varies. Ranges are (low, high) of uniform draws unless noted."""

    sites: int = 200
    chips: int = 8
    years: int = 10  # modelled years
    nodes: int | None = None  # default: sites / 20, at least 2
    regions: int = 4  # 0: one demand pool, no regions table
    start_year: int = 2026
    year_step: int = 1  # calendar years per modelled year
    ceiling_mw: float | None = None  # default: ceiling_share x power the certificate may use
    ceiling_share: float = 0.3  # of the summed site power budgets (MW)
    demand_growth: float = 1.45  # per calendar year
    efficiency_growth: float = 1.25  # PFLOP/s per kW, per calendar year of introduction
    cost_decline: float = 1.0  # USD per PFLOP/s, factor per year of introduction (1: flat; old chips cheap on capital, dear on power)
    demand_margin: float = 0.95  # final demand / largest final demand the certificate meets
    liquid_share: float = 0.6  # share of liquid-cooled sites
    site_mw: tuple[float, float] = (100.0, 2000.0)  # max_mw, log-uniform
    block_mw: tuple[float, float] = (50.0, 250.0)
    late_site_share: float = 0.6  # share of sites whose earliest year lies after the start
    extra_links_per_node: float = 0.5  # edges beyond the spanning tree, per node
    expandable_share: float = 0.6  # of links
    fixed_cost_share: float = 0.35  # of expandable links: a binary build decision
    supply_cover: tuple[float, float] = (0.4, 1.2)  # grid supply at a node / usable MW of its sites
    new_supply_share: float = 0.4  # of nodes with an extra supply that costs capital
    region_reach: tuple[float, float] = (0.35, 0.65)  # share of sites within a region's latency bound
    sale_years: tuple[int, int] = (4, 8)  # years a chip is on sale (inclusive range; widened to keep the horizon covered)
    chip_life_years: tuple[int, int] = (4, 7)  # inclusive range
    cap_factor: float = 2.0  # chip yearly cap x facility MW per unit x sale window / ceiling
    discount_rate: float = 0.07
    carbon_price_usd_per_t: float = 0.0
    clone_share: float = 0.0  # share of sites that copy another site (same node, place and data)
    clone_jitter: float = 0.0  # relative spread of a copy's capex_usd_per_mw and open_cost_usd (0: identical)
    tranches: int = 0  # grid interconnection tranches per site (0: no interconnection table, sites draw freely)
    onsite: bool = False  # on-site generation and batteries any site may build (generators table)
    training_runs: int = 0  # training runs with values (training_runs table; chips get a family)
    families: int = 3  # accelerator families the chips are dealt into (with training runs)
    run_value: float = 3.0  # a run's value per EFLOP/s-year / the newest chip's capital annuity per EFLOP/s-year


#: Named presets: overrides of :class:`Knobs` defaults. Add stress families here.
FAMILIES: dict[str, dict[str, Any]] = {
    "base": {},
    "single_pool": {"regions": 0},
    # stress families for the MIP (benchmarks/mip_gap.py)
    "identical_sites": {"clone_share": 0.6},  # many interchangeable candidate sites: symmetry
    "near_identical": {"clone_share": 0.6, "clone_jitter": 0.01},  # the same, costs 1 % apart: no symmetry to exploit
    "tight_ceiling": {"demand_margin": 0.995, "ceiling_share": 0.2},  # the ceiling binds from early years, little slack
    "long_horizon": {"years": 20},
    "many_chips": {"chips": 24, "sale_years": (3, 6)},  # many overlapping generations
    "supply_caps": {"supply_cover": (0.25, 0.6), "new_supply_share": 0.8},  # grid supplies bind: links and new supply
    "fixed_links": {"expandable_share": 1.0, "fixed_cost_share": 1.0, "extra_links_per_node": 1.5, "supply_cover": (0.3, 0.8)},
    "power_access": {"tranches": 3, "onsite": True},  # grid tranches arriving over years, bridged by on-site generation
    "training": {"training_runs": 100},  # training runs placed whole on a campus or a latency-bounded group
    # what users send: grid tranches bridged by on-site generation, and training runs placed whole
    "workloads": {"tranches": 3, "onsite": True, "training_runs": 20},
}


@dataclass(frozen=True)
class Certificate:
    """The greedy plan that proves feasibility: per modelled year, demand and what the plan delivers."""

    years: tuple[int, ...]
    demand_eflops: np.ndarray  # EFLOP/s, all regions
    delivered_eflops: np.ndarray  # EFLOP/s delivered by the greedy plan (>= demand)
    facility_mw: np.ndarray  # MW drawn by the greedy plan
    ceiling_mw: float
    max_final_eflops: float  # largest final-year demand the greedy plan met (before demand_margin)

    def table(self) -> pd.DataFrame:
        """One row per year: demand, greedy plan's compute and power, and its headroom under the ceiling."""
        return pd.DataFrame(
            {
                "year": self.years,
                "demand_eflops": self.demand_eflops,
                "delivered_eflops": self.delivered_eflops,
                "facility_mw": self.facility_mw,
                "headroom_mw": self.ceiling_mw - self.facility_mw,
            }
        )


@dataclass(frozen=True)
class Synthetic:
    """A generated scenario's raw settings and tables, its certificate and the knobs used."""

    settings: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    certificate: Certificate
    knobs: Knobs
    seed: int

    def scenario(self) -> Scenario:
        """Validate into a :class:`gigawatt.Scenario`."""
        return Scenario.from_tables(self.settings, self.tables)

    def write(self, folder: str | Path) -> Path:
        """Write ``scenario.yaml`` and one CSV per table to ``folder``."""
        import yaml

        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        (target / "scenario.yaml").write_text(yaml.safe_dump(self.settings, sort_keys=False))
        for name, frame in self.tables.items():
            frame.to_csv(target / f"{name}.csv", index=False, float_format="%.10g")
        return target


def resolve_knobs(family: str = "base", **overrides: Any) -> Knobs:
    """Knobs of ``family`` with ``overrides`` on top (``None`` values keep the preset)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")
    known = {f.name for f in fields(Knobs)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise TypeError(f"unknown knob(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    values = {**FAMILIES[family], **{k: v for k, v in overrides.items() if v is not None}}
    knobs = Knobs(**values)
    if knobs.sites < 1 or knobs.chips < 1 or knobs.years < 1 or knobs.year_step < 1:
        raise ValueError("sites, chips, years and year_step must be at least 1")
    if not 0 < knobs.demand_margin <= 1:
        raise ValueError("demand_margin must lie in (0, 1]")
    return knobs


def synthetic_scenario(
    sites: int | None = None,
    chips: int | None = None,
    years: int | None = None,
    nodes: int | None = None,
    regions: int | None = None,
    seed: int = 0,
    ceiling_mw: float | None = None,
    family: str = "base",
    **knobs: Any,
) -> Scenario:
    """A validated scenario of the given size (see :func:`generate`; more knobs in :class:`Knobs`)."""
    return generate(
        family=family, seed=seed, sites=sites, chips=chips, years=years, nodes=nodes, regions=regions, ceiling_mw=ceiling_mw, **knobs
    ).scenario()


def generate(family: str = "base", seed: int = 0, **overrides: Any) -> Synthetic:
    """Generate tables, settings and a feasibility certificate; same ``seed`` and knobs, same output."""
    k = resolve_knobs(family, **overrides)
    rng = np.random.default_rng(seed)
    years = [k.start_year + i * k.year_step for i in range(k.years)]
    n_nodes = k.nodes or max(2, min(k.sites, round(k.sites / 20)))
    nodes = _nodes(rng, n_nodes)
    sites = _sites(rng, k, nodes, years)
    links = _links(rng, k, nodes, years)
    supplies = _supplies(rng, k, nodes, sites, years)
    usable = np.floor(sites["max_mw"] / sites["block_mw"] + 1e-9) * sites["block_mw"]
    node_usable = usable.groupby(sites["node_id"]).sum()
    grid = supplies[supplies["build_cost_usd_per_mw"] == 0].groupby("node_id")["capacity_mw"].sum()
    cover = (grid.reindex(node_usable.index) / node_usable).clip(upper=1.0)
    budget = (usable * sites["node_id"].map(cover)).to_numpy()
    regions, latency, max_latency = _regions(rng, k, sites)
    owner, phi, anchors = _assign(rng, latency, max_latency, budget)
    _anchor(rng, sites, anchors, years[0])
    ceiling = float(k.ceiling_mw) if k.ceiling_mw else max(10.0, round(k.ceiling_share * budget[owner >= 0].sum(), -1))
    chips = _chips(rng, k, years, ceiling)

    growth = np.array([k.demand_growth ** (y - years[-1]) for y in years])
    sim = _Simulator(k, years, sites, chips, budget, owner, phi, ceiling)
    best = sim.largest_final_demand(growth)
    if best <= 0:
        raise RuntimeError("no demand can be met: the greedy plan delivers nothing (check sites, chips and ceiling)")
    if not k.ceiling_mw:  # something else (sites open early, caps) limits: lower the ceiling to what the greedy plan draws
        _, _, drawn = sim.run(np.outer(phi, best * growth))
        needed = math.ceil(float(np.max(drawn / np.maximum(phi, 1e-300)[:, None])) * (1 + 1e-6) / 10) * 10
        if needed < 0.95 * ceiling:
            ceiling = float(needed)
            sim = _Simulator(k, years, sites, chips, budget, owner, phi, ceiling)
            best = sim.largest_final_demand(growth)
    margin = k.demand_margin
    for _ in range(20):
        demand = np.floor(np.outer(phi, best * margin * growth) * 1000.0) / 1000.0  # (region, year), EFLOP/s
        met, by_region, drawn = sim.run(demand)
        delivered, power = by_region.sum(axis=0), drawn.sum(axis=0)
        if met:
            break
        margin *= 0.97
    else:
        raise RuntimeError("the greedy plan does not meet any scaled demand; generator bug")
    certificate = Certificate(tuple(years), demand.sum(axis=0), delivered, power, ceiling, best)

    region_ids = list(regions["region_id"]) if regions is not None else ["all"]
    demand_rows = [
        {"year": y, "region_id": r, "eflops": float(demand[i, j])} for i, r in enumerate(region_ids) for j, y in enumerate(years)
    ]
    tables: dict[str, pd.DataFrame] = {"nodes": nodes, "sites": sites, "supplies": supplies, "chips": chips}
    if links is not None:
        tables["links"] = links
    tables["demand"] = pd.DataFrame(demand_rows)
    if regions is not None:
        tables["regions"] = regions
    if k.tranches:
        tables["interconnection"] = _interconnection(rng, k, sites, years)
    if k.onsite:
        tables["generators"] = _generators(float(sites["max_mw"].max()))
    if k.training_runs:
        chips["family"] = [f"f{i % k.families}" for i in range(len(chips))]
        tables["training_runs"] = _training_runs(rng, k, sites, chips, years)
    settings: dict[str, Any] = {
        "name": f"synthetic-{family}-{k.sites}x{k.chips}x{k.years}-s{seed}",
        "description": f"benchmarks.generator family={family} seed={seed}",
        "years": years,
        "discount_rate": k.discount_rate,
        "ceiling_mw": ceiling,
        "hours_per_year": 8760.0,
        "load_factor": 0.8,
        "carbon_price_usd_per_t": k.carbon_price_usd_per_t,
        "latency_route_factor": ROUTE_FACTOR,
    }
    return Synthetic(settings, tables, certificate, k, seed)


def facility_location(sites: int = 100, regions: int = 1000, seed: int = 0, capacity_ratio: float = 1.3) -> Synthetic:
    """A capacitated facility-location instance in the scenario format: one year, one chip, ``sites`` campuses
    whose MW add up to ``capacity_ratio`` times what the demand needs, and ``regions`` demand regions each
    allowed every campus (``serving.csv``) at a cost growing with distance.

    Campuses are 20-80 MW in blocks of a quarter, each with an opening cost of 0.6-1.8 M USD per MW
    (site works, substation), at one node whose grid supply carries them all. Serving costs
    ``SERVING_USD_PER_EFLOPS_YR_KM`` per EFLOP/s-year and km, so the nearest campuses are worth paying for
    but cannot all be had: a region's demand goes where capacity is left. Feasible by construction: every
    pair is allowed and the campuses together hold more than the demand (the certificate opens them all).
    """
    rng = np.random.default_rng(seed)
    year = 2026
    nodes = pd.DataFrame({"node_id": ["n000"], "lat": [38.0], "lon": [-97.0], "name": ["Synthetic node 0"]})
    max_mw = np.round(rng.uniform(20, 80, sites), 0)
    lat, lon = rng.uniform(*LAT_RANGE, sites).round(4), rng.uniform(*LON_RANGE, sites).round(4)
    frame = pd.DataFrame(
        {
            "site_id": _ids("s", sites),
            "node_id": "n000",
            "lat": lat,
            "lon": lon,
            "max_mw": max_mw,
            "block_mw": max_mw / 4,
            "open_cost_usd": np.round(max_mw * rng.uniform(0.6e6, 1.8e6, sites), -3),
            "capex_usd_per_mw": np.round(rng.uniform(8e6, 12e6, sites), -3),
            "fixed_om_usd_per_mw_yr": np.round(rng.uniform(0.15e6, 0.4e6, sites), -2),
            "pue": rng.uniform(1.1, 1.3, sites).round(3),
            "cooling": "liquid",
            "earliest_year": year,
            "lifetime_years": 25,
        }
    )
    chip = {"it_kw_per_unit": 130.0, "pflops_per_unit": 130.0 * 1.5}  # a liquid-cooled rack, 1.5 PFLOP/s per kW
    eflops_per_mw = chip["pflops_per_unit"] / chip["it_kw_per_unit"] / frame["pue"].max()  # at the worst PUE
    need_eflops = float(max_mw.sum()) * eflops_per_mw / capacity_ratio
    share = rng.lognormal(0.0, 0.8, regions)
    demand = np.floor(share / share.sum() * need_eflops * 1000) / 1000
    r_lat, r_lon = rng.uniform(*LAT_RANGE, regions).round(4), rng.uniform(*LON_RANGE, regions).round(4)
    km = great_circle_km(r_lat[:, None], r_lon[:, None], lat[None, :], lon[None, :])
    region_ids, site_ids = _ids("r", regions), frame["site_id"].to_numpy()
    serving = pd.DataFrame(
        {
            "region_id": np.repeat(region_ids, sites),
            "site_id": np.tile(site_ids, regions),
            "cost_usd_per_eflops_yr": np.round(km.ravel() * SERVING_USD_PER_EFLOPS_YR_KM, -2),
        }
    )
    power_mw = float(max_mw.sum())
    tables = {
        "nodes": nodes,
        "sites": frame,
        "supplies": pd.DataFrame(
            [
                {
                    "supply_id": "grid-n000",
                    "node_id": "n000",
                    "capacity_mw": power_mw,
                    "energy_price_usd_per_mwh": 60.0,
                    "co2_t_per_mwh": 0.4,
                    "build_cost_usd_per_mw": 0.0,
                    "earliest_year": year,
                    "lifetime_years": 30,
                }
            ]
        ),
        "chips": pd.DataFrame(
            [
                {
                    "chip_id": "rack",
                    "first_year": year,
                    "last_year": year,
                    "accelerators_per_unit": 72,
                    **chip,
                    "capex_usd_per_unit": round(chip["pflops_per_unit"] * 20_000, -2),
                    "lifetime_years": 5,
                    "cooling": "liquid",
                    "max_units_per_year": float(math.ceil(power_mw * 1000 / chip["it_kw_per_unit"])),
                }
            ]
        ),
        "demand": pd.DataFrame({"year": year, "region_id": region_ids, "eflops": demand}),
        "regions": pd.DataFrame({"region_id": region_ids, "lat": r_lat, "lon": r_lon, "max_latency_ms": 100.0}),
        "serving": serving,
    }
    settings: dict[str, Any] = {
        "name": f"synthetic-facility-location-{sites}x{regions}-s{seed}",
        "description": f"benchmarks.generator facility_location seed={seed}",
        "years": [year],
        "discount_rate": 0.07,
        "ceiling_mw": power_mw,
        "hours_per_year": 8760.0,
        "load_factor": 0.8,
        "carbon_price_usd_per_t": 0.0,
        "latency_route_factor": ROUTE_FACTOR,
    }
    total = float(demand.sum())
    drawn = total / eflops_per_mw
    certificate = Certificate((year,), np.array([total]), np.array([total]), np.array([drawn]), power_mw, total)
    return Synthetic(settings, tables, certificate, resolve_knobs(sites=sites, chips=1, years=1, regions=regions), seed)


# -- tables ---------------------------------------------------------------------------------------


def _ids(prefix: str, n: int) -> list[str]:
    width = max(3, len(str(n - 1)))
    return [f"{prefix}{i:0{width}d}" for i in range(n)]


def _nodes(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "node_id": _ids("n", n),
            "lat": rng.uniform(*LAT_RANGE, n).round(4),
            "lon": rng.uniform(*LON_RANGE, n).round(4),
            "name": [f"Synthetic node {i}" for i in range(n)],
        }
    )


def _sites(rng: np.random.Generator, k: Knobs, nodes: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    n = k.sites
    weight = rng.gamma(2.0, size=len(nodes))
    at = rng.choice(len(nodes), size=n, p=weight / weight.sum())
    at[: min(n, len(nodes))] = np.arange(min(n, len(nodes)))  # every node hosts a site when there are enough sites
    liquid = rng.random(n) < k.liquid_share
    liquid[0] = liquid[0] or k.liquid_share > 0  # liquid-cooled chips need at least one liquid site
    max_mw = np.round(np.exp(rng.uniform(np.log(k.site_mw[0]), np.log(k.site_mw[1]), n)), -1)
    block_mw = np.minimum(np.round(rng.uniform(*k.block_mw, n) / 5) * 5, max_mw)
    span = years[-1] - years[0]
    late = rng.random(n) < k.late_site_share
    late[0] = False  # something can be built in the first year
    earliest = years[0] + np.where(late, rng.integers(1, max(2, math.ceil(0.6 * span) + 1), n), 0)
    frame = pd.DataFrame(
        {
            "site_id": _ids("s", n),
            "node_id": nodes["node_id"].to_numpy()[at],
            "lat": np.clip(nodes["lat"].to_numpy()[at] + rng.normal(0, 0.7, n), -90, 90).round(4),
            "lon": np.clip(nodes["lon"].to_numpy()[at] + rng.normal(0, 0.7, n), -180, 180).round(4),
            "max_mw": max_mw,
            "block_mw": block_mw,
            "open_cost_usd": np.round(max_mw * rng.uniform(0.05e6, 0.15e6, n), -3),
            "capex_usd_per_mw": np.round(rng.uniform(8e6, 12e6, n) * np.where(liquid, 1.1, 1.0), -3),
            "fixed_om_usd_per_mw_yr": np.round(rng.uniform(0.15e6, 0.4e6, n), -2),
            "pue": np.where(liquid, rng.uniform(1.08, 1.25, n), rng.uniform(1.2, 1.4, n)).round(3),
            "cooling": np.where(liquid, "liquid", "air"),
            "earliest_year": np.minimum(earliest, years[-1]).astype(int),
            "lifetime_years": rng.integers(20, 31, n),
        }
    )
    return _clone(rng, k, frame) if k.clone_share > 0 else frame


def _clone(rng: np.random.Generator, k: Knobs, sites: pd.DataFrame) -> pd.DataFrame:
    """The last ``clone_share`` of the sites become copies of earlier ones (costs spread by ``clone_jitter``)."""
    n = len(sites)
    copies = min(n - 1, round(k.clone_share * n))
    if copies <= 0:
        return sites
    originals = n - copies
    source = rng.integers(0, originals, copies)
    data = [c for c in sites.columns if c != "site_id"]
    sites.loc[originals:, data] = sites.loc[source, data].to_numpy()
    for column in ("capex_usd_per_mw", "open_cost_usd"):
        spread = 1.0 + rng.uniform(-k.clone_jitter, k.clone_jitter, copies)
        sites.loc[originals:, column] = np.round(sites.loc[originals:, column].to_numpy(dtype=float) * spread, -3)
    return sites.astype({"max_mw": float, "block_mw": float, "earliest_year": int, "lifetime_years": int})


def _anchor(rng: np.random.Generator, sites: pd.DataFrame, anchors: list[int], first_year: int) -> None:
    """Make the anchor sites liquid-cooled (they host every chip) and buildable from the first year, in place."""
    air = [i for i in anchors if sites.at[i, "cooling"] == "air"]
    sites.loc[anchors, "earliest_year"] = first_year
    if air:
        sites.loc[air, "cooling"] = "liquid"
        sites.loc[air, "pue"] = rng.uniform(1.08, 1.25, len(air)).round(3)
        sites.loc[air, "capex_usd_per_mw"] = (sites.loc[air, "capex_usd_per_mw"] * 1.1).round(-3)


def _distances(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return great_circle_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])


def _links(rng: np.random.Generator, k: Knobs, nodes: pd.DataFrame, years: list[int]) -> pd.DataFrame | None:
    n = len(nodes)
    if n < 2:
        return None
    dist = _distances(nodes["lat"].to_numpy(), nodes["lon"].to_numpy())
    order = rng.permutation(n)
    edges: set[tuple[int, int]] = set()
    for i in range(1, n):  # spanning tree: each node joins its nearest predecessor in a random order
        a, before = order[i], order[:i]
        b = before[np.argmin(dist[a, before])]
        edges.add((min(a, b), max(a, b)))
    near = np.argsort(dist, axis=1)[:, 1 : min(n, 5)]
    for _ in range(round(k.extra_links_per_node * n)):
        a = int(rng.integers(n))
        b = int(rng.choice(near[a]))
        edges.add((min(a, b), max(a, b)))
    pairs = sorted(edges)
    m = len(pairs)
    ids = nodes["node_id"].to_numpy()
    length = np.array([dist[a, b] for a, b in pairs]) * 1.2
    expandable = rng.random(m) < k.expandable_share
    fixed = expandable & (rng.random(m) < k.fixed_cost_share)
    return pd.DataFrame(
        {
            "link_id": _ids("l", m),
            "from_node": ids[[a for a, _ in pairs]],
            "to_node": ids[[b for _, b in pairs]],
            "capacity_mw": np.round(rng.uniform(300, 3000, m), -1),
            "expand_max_mw": np.where(expandable, np.round(rng.uniform(500, 4000, m), -1), 0.0),
            "expand_cost_usd_per_mw": np.where(expandable, np.round(length * rng.uniform(1500, 4000, m), -2), 0.0),
            "build_cost_usd": np.where(fixed, np.round(rng.uniform(50e6, 400e6, m), -5), 0.0),
            "loss_frac": np.minimum(0.12, length * rng.uniform(2e-5, 5e-5, m)).round(5),
            "length_km": length.round(1),
            "earliest_year": np.minimum(years[0] + rng.integers(0, 3, m), years[-1]),
            "lifetime_years": 40,
        }
    )


def _supplies(rng: np.random.Generator, k: Knobs, nodes: pd.DataFrame, sites: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    usable = np.floor(sites["max_mw"] / sites["block_mw"] + 1e-9) * sites["block_mw"]
    per_node = usable.groupby(sites["node_id"]).sum().reindex(nodes["node_id"]).fillna(0.0).to_numpy()
    n = len(nodes)
    cover = rng.uniform(*k.supply_cover, n)
    grid_mw = np.where(per_node > 0, np.maximum(100.0, np.round(cover * per_node, -1)), np.round(rng.uniform(200, 2000, n), -1))
    rows = [
        {
            "supply_id": f"grid-{node}",
            "node_id": node,
            "capacity_mw": grid_mw[i],
            "energy_price_usd_per_mwh": round(rng.uniform(40, 110), 2),
            "co2_t_per_mwh": round(rng.uniform(0.05, 0.7), 3),
            "build_cost_usd_per_mw": 0.0,
            "earliest_year": years[0],
            "lifetime_years": 30,
        }
        for i, node in enumerate(nodes["node_id"])
    ]
    span = years[-1] - years[0]
    for node in nodes["node_id"][rng.random(n) < k.new_supply_share]:
        rows.append(
            {
                "supply_id": f"new-{node}",
                "node_id": node,
                "capacity_mw": round(rng.uniform(200, 2000), -1),
                "energy_price_usd_per_mwh": round(rng.uniform(40, 80), 2),
                "co2_t_per_mwh": round(rng.uniform(0.0, 0.45), 3),
                "build_cost_usd_per_mw": round(rng.uniform(0.8e6, 2.5e6), -3),
                "earliest_year": min(years[0] + int(rng.integers(1, max(2, span // 2 + 1))), years[-1]),
                "lifetime_years": 25,
            }
        )
    return pd.DataFrame(rows)


def _interconnection(rng: np.random.Generator, k: Knobs, sites: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """``k.tranches`` grid tranches per site splitting its usable MW at random.

    With on-site generation the first tranche is energisable in the site's earliest year and each later one
    1-4 years after the one before (on-site generation, able to carry a whole site from the first year, keeps
    the certificate feasible); without it every tranche is energisable from the site's earliest year, so
    they are cost choices only.
    """
    usable = (np.floor(sites["max_mw"] / sites["block_mw"] + 1e-9) * sites["block_mw"]).to_numpy()
    n = len(sites)
    shares = rng.dirichlet(np.ones(k.tranches), n)  # (site, tranche)
    delays = np.cumsum(rng.integers(1, 5, (n, k.tranches)), axis=1) - 1 if k.onsite else np.zeros((n, k.tranches), int)
    delays[:, 0] = 0
    earliest = np.minimum(sites["earliest_year"].to_numpy()[:, None] + delays, years[-1])
    firm = np.ceil(shares * usable[:, None])  # whole MW, rounded up: the tranches cover the site
    return pd.DataFrame(
        {
            "tranche_id": [f"{s}-t{t}" for s in sites["site_id"] for t in range(k.tranches)],
            "site_id": np.repeat(sites["site_id"].to_numpy(), k.tranches),
            "firm_mw": firm.ravel(),
            "earliest_year": earliest.ravel().astype(int),
            "cost_usd_per_mw": np.round(rng.uniform(0.05e6, 0.3e6, n * k.tranches), -3),
            "fixed_cost_usd": np.round(rng.uniform(5e6, 30e6, n * k.tranches), -5),
            "lifetime_years": 40,
        }
    )


def _generators(site_mw: float) -> pd.DataFrame:
    """Gas turbines, reciprocating engines and a battery any site may build, enough to carry the largest site."""
    room = float(math.ceil(site_mw / 0.9 / 10) * 10)
    common = {"lead_time_years": 0, "lifetime_years": 20, "max_mw_per_site": room, "co2_kg_per_mmbtu": 53.06}
    return pd.DataFrame(
        [
            {
                "tech_id": "turbine",
                "kind": "generator",
                "capex_usd_per_kw": 1600.0,
                "capex_usd_per_kwh": 0.0,
                "fixed_om_usd_per_kw_yr": 20.0,
                "heat_rate_mmbtu_per_mwh": 9.5,
                "fuel_price_usd_per_mmbtu": 4.0,
                "variable_om_usd_per_mwh": 5.0,
                "unit_mw": 35.0,
                "availability_frac": 0.9,
                **common,
            },
            {
                "tech_id": "engine",
                "kind": "generator",
                "capex_usd_per_kw": 1400.0,
                "capex_usd_per_kwh": 0.0,
                "fixed_om_usd_per_kw_yr": 25.0,
                "heat_rate_mmbtu_per_mwh": 8.8,
                "fuel_price_usd_per_mmbtu": 4.0,
                "variable_om_usd_per_mwh": 8.0,
                "unit_mw": 0.0,
                "availability_frac": 0.9,
                **common,
            },
            {
                "tech_id": "battery",
                "kind": "battery",
                "capex_usd_per_kw": 300.0,
                "capex_usd_per_kwh": 250.0,
                "fixed_om_usd_per_kw_yr": 10.0,
                "heat_rate_mmbtu_per_mwh": 0.0,
                "fuel_price_usd_per_mmbtu": 0.0,
                "variable_om_usd_per_mwh": 0.0,
                "unit_mw": 0.0,
                "availability_frac": 1.0,
                **common,
                "co2_kg_per_mmbtu": 0.0,
            },
        ]
    )


def _regions(rng: np.random.Generator, k: Knobs, sites: pd.DataFrame) -> tuple[pd.DataFrame | None, np.ndarray | None, np.ndarray | None]:
    """Regions with latency bounds (ms) reaching ``region_reach`` of the sites; latency computed as the model does."""
    if k.regions <= 0:
        return None, None, None
    r = k.regions
    lat, lon = rng.uniform(*LAT_RANGE, r).round(4), rng.uniform(*LON_RANGE, r).round(4)
    km = great_circle_km(lat[:, None], lon[:, None], sites["lat"].to_numpy()[None, :], sites["lon"].to_numpy()[None, :])
    latency = km * ROUTE_FACTOR * RTT_MS_PER_KM
    reach = rng.uniform(*k.region_reach, r)
    bound = np.array([math.ceil(np.quantile(latency[i], reach[i], method="higher") * 10 + 1e-6) / 10 for i in range(r)])
    bound = np.maximum(bound, 0.1)
    frame = pd.DataFrame({"region_id": _ids("r", r), "lat": lat, "lon": lon, "max_latency_ms": bound})
    return frame, latency, bound


def _assign(
    rng: np.random.Generator, latency: np.ndarray | None, bound: np.ndarray | None, budget: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Owner region of each site in the certificate (-1: none), each region's share of demand, ceiling and caps,
    and the anchor sites (each region's first, nearest site: opened from the first year)."""
    n = len(budget)
    if latency is None or bound is None:
        return np.zeros(n, dtype=int), np.ones(1), []
    reach = latency <= (bound - 1e-6)[:, None]
    owner = np.full(n, -1)
    anchors = []
    for r in np.argsort(reach.sum(axis=1), kind="stable"):  # every region first takes its nearest free site
        free = np.flatnonzero(reach[r] & (owner < 0))
        if len(free):
            anchors.append(int(free[np.argmin(latency[r, free])]))
            owner[anchors[-1]] = r
    for s in np.flatnonzero((owner < 0) & reach.any(axis=0)):
        owner[s] = rng.choice(np.flatnonzero(reach[:, s]))
    share = np.bincount(owner[owner >= 0], weights=budget[owner >= 0], minlength=len(bound)) * rng.uniform(0.7, 1.3, len(bound))
    return owner, share / share.sum(), sorted(anchors)


def _chips(rng: np.random.Generator, k: Knobs, years: list[int], ceiling_mw: float) -> pd.DataFrame:
    n = k.chips
    span = years[-1] - years[0]
    spacing = (span + 2) / n
    rows = []
    for c in range(n):
        intro = years[0] - 2 + math.floor(c * spacing)
        window = max(int(rng.integers(k.sale_years[0], k.sale_years[1] + 1)), math.ceil(spacing) + 1)
        last = intro + window - 1 if c < n - 1 else max(intro + window - 1, years[-1])
        liquid = (c == n - 1 and n > 1) or (c > 0 and rng.random() < 0.15 + 0.7 * c / max(1, n - 1))
        age = intro - REFERENCE_YEAR
        if liquid:
            accelerators = int(rng.choice([36, 72]))
            it_kw = rng.uniform(55, 70) if accelerators == 36 else rng.uniform(120, 140)
        else:
            accelerators, it_kw = 8, min(20.0, rng.uniform(10, 15) * 1.03 ** max(0, age))
        pflops = it_kw * 0.75 * k.efficiency_growth**age * (1.15 if liquid else 1.0) * rng.uniform(0.92, 1.08)
        capex = pflops * 25_000 * k.cost_decline**age * rng.uniform(0.85, 1.15)
        mw_per_unit = it_kw / 1000 * 1.2
        cap = k.cap_factor * rng.uniform(0.7, 1.3) * ceiling_mw / (mw_per_unit * window)
        rows.append(
            {
                "chip_id": f"g{c:02d}-{'rack' if liquid else 'srv'}",
                "first_year": intro,
                "last_year": last,
                "accelerators_per_unit": accelerators,
                "it_kw_per_unit": round(it_kw, 2),
                "pflops_per_unit": round(pflops, 3),
                "capex_usd_per_unit": round(capex, -2),
                "lifetime_years": int(rng.integers(k.chip_life_years[0], k.chip_life_years[1] + 1)),
                "cooling": "liquid" if liquid else "air",
                "max_units_per_year": float(max(10, round(cap, -1))),
            }
        )
    return pd.DataFrame(rows)


def _training_runs(rng: np.random.Generator, k: Knobs, sites: pd.DataFrame, chips: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Training runs (see the module docstring), valued at ``run_value`` x the newest chip's capital annuity per EFLOP/s-year."""
    newest = chips.iloc[-1]
    eflops_per_mw = newest["pflops_per_unit"] / newest["it_kw_per_unit"]  # PFLOP/s per kW = EFLOP/s per MW of IT
    campus = float(sites["max_mw"].median()) / 1.2 * eflops_per_mw  # EFLOP/s a median campus hosts (PUE about 1.2)
    annuity = newest["capex_usd_per_unit"] / (newest["pflops_per_unit"] / 1000.0) / newest["lifetime_years"]
    first = rng.choice(years, k.training_runs)
    length = rng.integers(1, 4, k.training_runs)
    eflops = (campus * rng.uniform(0.2, 1.5, k.training_runs)).round(1)
    bound = rng.random(k.training_runs) < 0.7
    campuses = rng.choice([1, 1, 2, 3], k.training_runs)
    return pd.DataFrame(
        {
            "run_id": _ids("t", k.training_runs),
            "first_year": first,
            "last_year": first + length - 1,
            "eflops": eflops,
            "families": [f"f{rng.integers(k.families)}" if b else None for b in bound],
            "mix_families": ~bound & (rng.random(k.training_runs) < 0.5),
            "max_campuses": campuses,
            "max_latency_ms": rng.uniform(10, 30, k.training_runs).round(1),
            "bandwidth_tbps": rng.uniform(1, 16, k.training_runs).round(1),
            "value_usd": (eflops * length * k.run_value * annuity).round(-3),
        }
    )


# -- certificate ----------------------------------------------------------------------------------


class _Simulator:
    """Greedy constructive plan per region (see the module docstring); whole units, no links."""

    def __init__(
        self,
        k: Knobs,
        years: list[int],
        sites: pd.DataFrame,
        chips: pd.DataFrame,
        budget: np.ndarray,
        owner: np.ndarray,
        phi: np.ndarray,
        ceiling_mw: float,
    ) -> None:
        self.years = years
        self.weight = [k.year_step] * len(years)
        self.phi, self.ceiling = phi, ceiling_mw
        self.first, self.last = chips["first_year"].to_numpy(), chips["last_year"].to_numpy()
        self.life = chips["lifetime_years"].to_numpy()
        self.kw = chips["it_kw_per_unit"].to_numpy()
        self.eflops = chips["pflops_per_unit"].to_numpy() / 1000.0
        self.chip_liquid = (chips["cooling"] == "liquid").to_numpy()
        self.cap = chips["max_units_per_year"].to_numpy()
        self.efficiency_order = np.argsort(-chips["pflops_per_unit"].to_numpy() / self.kw, kind="stable")
        self.regions = []
        for r in range(len(phi)):
            mine = np.flatnonzero(owner == r)
            part = sites.iloc[mine]
            by_pue = np.argsort(part["pue"].to_numpy(), kind="stable")
            self.regions.append(
                {
                    "budget": budget[mine][by_pue] * (1 - SAFETY),
                    "pue": part["pue"].to_numpy()[by_pue],
                    "liquid": (part["cooling"] == "liquid").to_numpy()[by_pue],
                    "earliest": part["earliest_year"].to_numpy()[by_pue],
                }
            )

    def run(self, demand: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray]:
        """Greedy plan for ``demand[region, year]`` (EFLOP/s): met every year?, EFLOP/s delivered and facility MW [region, year]."""
        delivered, power, met = np.zeros_like(demand, dtype=float), np.zeros_like(demand, dtype=float), True
        for r, reg in enumerate(self.regions):
            ok, delivered[r], power[r] = self._region(reg, demand[r], self.phi[r])
            met &= ok
        return met, delivered, power

    def largest_final_demand(self, growth: np.ndarray, iterations: int = 40) -> float:
        """Largest final-year total demand (EFLOP/s) the greedy plan meets, by bisection."""
        hi = self.ceiling * 1000 * float(np.max(self.eflops / self.kw))  # every MW on the best chip at PUE 1
        lo = 0.0
        for _ in range(iterations):
            mid = (lo + hi) / 2
            met, _, _ = self.run(np.outer(self.phi, mid * growth))
            lo, hi = (mid, hi) if met else (lo, mid)
        return lo

    def _region(self, reg: dict[str, np.ndarray], target: np.ndarray, phi: float) -> tuple[bool, np.ndarray, np.ndarray]:
        n_years = len(self.years)
        delivered, power = np.zeros(n_years), np.zeros(n_years)
        if phi <= 0:
            return bool(np.all(target <= 0)), delivered, power
        ceiling = phi * self.ceiling * (1 - SAFETY)
        used = np.zeros(len(reg["budget"]))  # MW in use per site
        fleet: list[tuple[int, int, np.ndarray, np.ndarray]] = []  # (chip, vintage, units per site, MW per unit per site)
        met = True
        for j, y in enumerate(self.years):
            # a vintage counts in the modelled years wholly inside its life (as the model reads lifetime_years)
            live = [(c, u, mw) for c, v, u, mw in fleet if y + self.weight[j] <= v + self.life[c]]
            used[:] = 0.0
            have = 0.0
            for c, u, mw in live:
                used += u * mw
                have += u.sum() * self.eflops[c]
            need, free_ceiling = target[j] - have, ceiling - used.sum()
            for c in self.efficiency_order:
                if need <= 0 or free_ceiling <= 0:
                    break
                if not self.first[c] <= y <= self.last[c] or self.life[c] < self.weight[j]:
                    continue
                mw = reg["pue"] * self.kw[c] / 1000.0
                ok = (reg["earliest"] <= y) & (reg["liquid"] | ~self.chip_liquid[c])
                fit = np.where(ok, np.floor(np.maximum(reg["budget"] - used, 0.0) / mw), 0.0)
                want = min(math.ceil(need / self.eflops[c]), math.floor(phi * self.cap[c] * self.weight[j]))
                take = np.clip(want - (np.cumsum(fit) - fit), 0.0, fit)
                load = take * mw
                room = free_ceiling - (np.cumsum(load) - load)
                take = np.clip(np.floor(room / mw), 0.0, take)
                if take.sum() <= 0:
                    continue
                fleet.append((int(c), y, take, mw))
                used += take * mw
                free_ceiling -= float((take * mw).sum())
                need -= float(take.sum()) * self.eflops[c]
            delivered[j] = target[j] - need
            power[j] = used.sum()
            met &= need <= 0
        return met, delivered, power


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.generator --sites 50 --out DIR``: generate, validate, summarise, optionally write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=None)
    parser.add_argument("--chips", type=int, default=None)
    parser.add_argument("--years", type=int, default=None)
    parser.add_argument("--nodes", type=int, default=None)
    parser.add_argument("--regions", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ceiling-mw", type=float, default=None)
    parser.add_argument("--family", default="base", choices=sorted(FAMILIES))
    parser.add_argument("--out", type=Path, default=None, help="write the scenario folder here")
    args = parser.parse_args(argv)
    syn = generate(
        family=args.family,
        seed=args.seed,
        sites=args.sites,
        chips=args.chips,
        years=args.years,
        nodes=args.nodes,
        regions=args.regions,
        ceiling_mw=args.ceiling_mw,
    )
    print(syn.scenario().summary())
    print("\nFeasibility certificate (greedy plan):")
    print(syn.certificate.table().to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    print("\nknobs:", {k: v for k, v in asdict(syn.knobs).items() if v != getattr(Knobs(), k)} or "defaults")
    if args.out:
        print(f"written to {syn.write(args.out)}")


if __name__ == "__main__":
    main()
