"""The Plan: tables, KPIs, text and HTML views, and an exact save/load round trip."""

from __future__ import annotations

import dataclasses
import json
import re

import pandas as pd
import pytest
from builders import chip, scenario, site, solve_verified

import gigawatt as gw
from gigawatt.errors import PlanFileError
from gigawatt.plan.tables import PLAN_TABLES
from gigawatt.plan.value import GwValue


@pytest.fixture(scope="module")
def plan() -> gw.Plan:
    chips = [chip("a", lifetime_years=2), chip("b", it_kw_per_unit=500.0, capex_usd_per_unit=3e6, lifetime_years=2)]
    demand = [{"year": 2026, "eflops": 6.0}, {"year": 2027, "eflops": 15.0}]
    return solve_verified(scenario({"years": [2026, 2027], "ceiling_mw": 10.0}, chips=chips, demand=demand))


def test_tables_follow_the_contract(plan):
    for name, columns in PLAN_TABLES.items():
        assert list(plan.tables[name].columns) == list(columns), name
    assert plan.power.ceiling_mw.eq(10.0).all()
    assert (plan.power.headroom_mw == plan.power.ceiling_mw - plan.power.facility_mw).all()


def test_costs_add_up_to_the_objective(plan):
    assert plan.costs.discounted_usd.sum() == pytest.approx(plan.objective, rel=1e-9)


def test_kpis_and_views(plan):
    k = plan.kpis
    assert k["peak_facility_mw"] == pytest.approx(plan.power.facility_mw.max())
    assert k["final_year_eflops"] == pytest.approx(15.0)
    assert k["usd_per_eflops_yr"] == pytest.approx(plan.objective / (6.0 + 15.0))
    text = plan.summary()
    assert "of 10 MW ceiling" in text and "2027" in text
    assert "<table" in plan._repr_html_()


def test_save_load_round_trips_exactly(plan, tmp_path):
    target = plan.save(tmp_path / "run")
    again = gw.load_plan(target)
    for name in PLAN_TABLES:
        pd.testing.assert_frame_equal(plan.tables[name], again.tables[name])
    assert (again.objective, again.bound, again.gap, again.status) == (plan.objective, plan.bound, plan.gap, plan.status)
    assert again.scenario.hash == plan.scenario.hash
    assert again.metadata["scenario_hash"] == plan.scenario.hash
    assert again.verify() == []
    pd.testing.assert_frame_equal(plan.duals, again.duals)


def test_plan_carries_the_ceiling_dual(plan):
    """The 10 MW ceiling binds in 2027 only; with continuous units its dual is the saving per MW of a little more ceiling."""
    continuous = gw.solve(plan.scenario, integer_units=False, mip_gap=0.0)
    ceiling = continuous.duals[continuous.duals.constraint == "power_ceiling"].set_index("year")["value"]
    assert ceiling[2026] == 0.0
    slightly_more = gw.solve(plan.scenario.with_overrides(ceiling_mw=10.01), integer_units=False, mip_gap=0.0)
    assert ceiling[2027] == pytest.approx((continuous.objective - slightly_more.objective) / 0.01, rel=1e-6)
    assert ceiling[2027] > 0


def test_save_replaces_atomically(plan, tmp_path, monkeypatch):
    target = plan.save(tmp_path / "run")
    before = (target / "plan.json").read_text()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OSError):
        plan.save(target)
    assert (target / "plan.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_relaxed_plan_keeps_fractions_and_is_not_verified():
    """The LP relaxation of a 150 MW need on 100 MW blocks builds 1.5 blocks: kept fractional, and refused by verify."""
    demand = [{"year": 2026, "eflops": 150.0}]
    scn = scenario(sites=[site("s", max_mw=300.0, block_mw=100.0, capex_usd_per_mw=1e4)], demand=demand)
    relaxed = gw.solve(scn, relax=True)
    assert relaxed.sites.blocks.iloc[0] == pytest.approx(1.5)
    assert relaxed.objective == pytest.approx(150 * 1e6 + 150 * 1e4)
    with pytest.raises(ValueError, match="relaxation"):
        relaxed.verify()
    assert relaxed.duals is not None and relaxed.duals.note.str.contains("LP dual").all()
    assert solve_verified(scn).sites.blocks.iloc[0] == 2


def test_summary_reports_what_the_ceiling_is_worth(plan):
    """Without a value of a GW the summary says how to get one; the duals are labelled as given the build, per year."""
    text = plan.summary()
    assert (
        text.splitlines()[1]
        == "  value of 1 GW   not worked out here: gigawatt solve --gw-value, or gw.gw_value(scenario, low_mw, high_mw)"
    )
    assert "ceiling dual given this build, per year: 2027 4.00 M USD per MW-year" in text


def test_the_value_of_a_gw_is_the_headline_and_is_saved_with_the_plan(plan, tmp_path):
    value = GwValue(4e6, 3.9e6, 4.1e6, True, (10.0, 11.0), (0.0, 1e-4))
    valued = dataclasses.replace(plan, gw_value=value)
    assert valued.summary().splitlines()[1] == "  value of 1 MW (10 -> 11 MW): 4.00 M USD per MW-year, proven 3.90 to 4.10 M"
    assert gw.load_plan(valued.save(tmp_path / "valued")).gw_value == value
    assert gw.load_plan(plan.save(tmp_path / "plain")).gw_value is None


@pytest.mark.parametrize(
    ("stored", "problem"),
    [
        ([1, 2], "gw_value: expected an object, got list"),
        ({"figure": "1", "low": 0, "high": 2, "proven": True, "ceilings_mw": [1, 2], "gaps": [0, 0]}, "'figure': expected float, got str"),
        ({"figure": 1, "low": 0, "high": 2, "proven": True, "ceilings_mw": [1], "gaps": [0, 0]}, "'ceilings_mw': expected a list of two"),
        ({"figure": 1, "low": 0, "high": 2, "proven": 1, "ceilings_mw": [1, 2], "gaps": [0, 0]}, "'proven': expected bool, got int"),
    ],
)
def test_a_malformed_value_of_a_gw_in_plan_json_is_refused(plan, tmp_path, stored, problem):
    folder = plan.save(tmp_path / "run")
    meta = json.loads((folder / "plan.json").read_text())
    (folder / "plan.json").write_text(json.dumps(meta | {"gw_value": stored}))
    with pytest.raises(PlanFileError, match=re.escape(problem)):
        gw.load_plan(folder)


def test_a_plan_with_nothing_to_build():
    """Zero demand: nothing opens, nothing is installed, every table is still well-formed and verifies."""
    plan = solve_verified(scenario(demand=[{"year": 2026, "eflops": 0.0}]))
    assert plan.objective == 0.0
    assert plan.chips.empty and plan.serving.empty
    assert list(plan.chips.columns) == list(PLAN_TABLES["chips"])


def test_duals_can_be_skipped(plan):
    quick = gw.solve(plan.scenario, duals=False)
    assert quick.duals is None and quick.timings["duals"] == 0.0
    assert quick.objective == pytest.approx(plan.objective, rel=1e-3)


def test_summary_says_where_when_and_with_what_on_tiny():
    """tiny's hand solution (scenarios/tiny/SOURCES.md): north_air 40 MW and north_liquid 20 MW from 2026, south_liquid
    40 MW in 2027; 400 old_air servers in 2026 (8 accelerators each: 3,200), then 200 old_air and 200 new_liquid."""
    from builders import SCENARIOS

    lines = solve_verified(gw.load_scenario(SCENARIOS / "tiny")).summary().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  campus MW built"))
    assert lines[start].split()[-2:] == ["2026", "2027"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[start + 1 : start + 4]}
    assert rows == {"north_air": ["40", "40"], "north_liquid": ["20", "20"], "south_liquid": ["-", "40"]}
    assert lines[start + 1].split()[0] in ("north_air", "south_liquid")  # the largest by 2027 first
    assert "    2026  old_air 400 (3,200)" in lines
    assert "    2027  new_liquid 200 (1,600), old_air 200 (1,600)" in lines
