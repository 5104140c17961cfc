"""Small scenarios built in code, and a solve that always verifies its plan."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import gigawatt as gw

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def one_node_tables(**overrides: list[dict]) -> dict[str, pd.DataFrame]:
    """A one-node system: one free site, one free supply, one chip of 1 MW IT and 1 EFLOP/s per unit.

    Every cost is zero but the chip's 1e6 USD; tests change the rows they study.
    """
    tables: dict[str, list[dict]] = {
        "nodes": [{"node_id": "n", "lat": 40.0, "lon": -80.0}],
        "sites": [site("s")],
        "supplies": [supply("g")],
        "chips": [chip("a")],
        "demand": [{"year": 2026, "eflops": 1.0}],
    }
    tables.update(overrides)
    return {name: pd.DataFrame(rows) for name, rows in tables.items()}


def site(site_id: str, **kw: object) -> dict:
    row = dict(
        site_id=site_id,
        node_id="n",
        lat=40.0,
        lon=-80.0,
        max_mw=100.0,
        block_mw=100.0,
        open_cost_usd=0.0,
        capex_usd_per_mw=0.0,
        fixed_om_usd_per_mw_yr=0.0,
        pue=1.0,
        cooling="liquid",
        earliest_year=2026,
        lifetime_years=1,
    )
    return row | kw


def supply(supply_id: str, **kw: object) -> dict:
    row = dict(
        supply_id=supply_id,
        node_id="n",
        capacity_mw=1000.0,
        energy_price_usd_per_mwh=0.0,
        co2_t_per_mwh=0.0,
        build_cost_usd_per_mw=0.0,
        earliest_year=2026,
        lifetime_years=1,
    )
    return row | kw


def chip(chip_id: str, **kw: object) -> dict:
    row = dict(
        chip_id=chip_id,
        first_year=2026,
        last_year=2030,
        accelerators_per_unit=1,
        it_kw_per_unit=1000.0,
        pflops_per_unit=1000.0,
        capex_usd_per_unit=1e6,
        lifetime_years=1,
        cooling="air",
        max_units_per_year=1000.0,
    )
    return row | kw


def link(link_id: str, a: str, b: str, **kw: object) -> dict:
    row = dict(
        link_id=link_id,
        from_node=a,
        to_node=b,
        capacity_mw=1000.0,
        expand_max_mw=0.0,
        expand_cost_usd_per_mw=0.0,
        build_cost_usd=0.0,
        loss_frac=0.0,
        length_km=100.0,
        earliest_year=2026,
        lifetime_years=1,
    )
    return row | kw


def generator(tech_id: str, **kw: object) -> dict:
    """An on-site technology row: free, any amount up to 1,000 MW a site; the other columns take the schema's defaults."""
    row = dict(tech_id=tech_id, kind="generator", capex_usd_per_kw=0.0, lifetime_years=1, max_mw_per_site=1000.0)
    return row | kw


def tranche(tranche_id: str, **kw: object) -> dict:
    """A grid tranche of site ``s``: 1,000 MW firm from 2026, free; the other columns take the schema's defaults."""
    row = dict(tranche_id=tranche_id, site_id="s", firm_mw=1000.0, earliest_year=2026, cost_usd_per_mw=0.0)
    return row | kw


def training_run(run_id: str, **kw: object) -> dict:
    """A training run of 1 EFLOP/s in 2026 on one campus, any family, strict; the other columns take the schema's defaults."""
    row = dict(run_id=run_id, first_year=2026, last_year=2026, eflops=1.0)
    return row | kw


def scenario(settings: dict | None = None, **tables: list[dict]) -> gw.Scenario:
    """A validated scenario from :func:`one_node_tables` with ``settings`` over small defaults."""
    base = {"name": "test", "years": [2026], "discount_rate": 0.0, "ceiling_mw": 1000.0, "hours_per_year": 1000.0, "load_factor": 1.0}
    return gw.Scenario.from_tables(base | (settings or {}), one_node_tables(**tables))


def solve_verified(scn: gw.Scenario, **kw: object) -> gw.Plan:
    """Solve to optimality and assert the independent verifier finds nothing."""
    plan = gw.solve(scn, mip_gap=0.0, **kw)
    assert plan.status == "optimal", plan.status
    violations = plan.verify()
    assert violations == [], violations
    return plan


def grid_slip_tables() -> tuple[dict, dict[str, list[dict]]]:
    """Two campuses B and C, each opened for 10 M USD, 1 MW blocks at 10 M USD, built at most 1 MW a year (so 2 MW by
    2027 only if started in 2026), each on its own grid tranche; 2 EFLOP/s wanted in 2027 (1 MW each), or rented at
    50 M USD per EFLOP/s-yr. Money is not discounted; a chip unit costs 1 USD, energy and tranches nothing."""
    sites = [
        site(s, max_mw=2.0, block_mw=1.0, ramp_mw_per_year=1.0, open_cost_usd=10e6, capex_usd_per_mw=10e6, lifetime_years=1)
        for s in ("b", "c")
    ]
    return {"years": [2026, 2027]}, dict(
        sites=sites,
        supplies=[supply("g")],
        chips=[chip("a", capex_usd_per_unit=1.0, lifetime_years=2)],  # not free, so no idle unit is bought
        interconnection=[tranche("tb", site_id="b", firm_mw=10.0), tranche("tc", site_id="c", firm_mw=10.0)],
        demand=[{"year": 2027, "eflops": 2.0, "value_usd_per_eflops_yr": 50e6}],
    )


def grid_slip_scenario() -> gw.Scenario:
    """The scenario of :func:`grid_slip_tables`."""
    settings, tables = grid_slip_tables()
    return scenario(settings, **tables)


def write_scenario(folder: Path, settings: dict | None = None, **tables: list[dict]) -> Path:
    """Write the :func:`scenario` of these arguments as a folder (scenario.yaml + CSV files)."""
    import yaml

    scn = scenario(settings, **tables)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(dict(scn.raw_settings)))
    for name, frame in scn.tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def installs(plan, chip_id: str) -> dict[int, int]:
    rows = plan.chips[(plan.chips.chip_id == chip_id) & (plan.chips.installed_units > 0)]
    return rows.groupby("year")["installed_units"].sum().to_dict()
