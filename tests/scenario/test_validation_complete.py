"""Inputs read as written and validated in one go: flags are not numbers, override keys and lists are named,
tiny positives are refused, and every problem of a scenario (cells, keys, references, ranges, grid) is in one report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from builders import SCENARIOS

import gigawatt as gw
from gigawatt.scenario import Problem, ScenarioError

if TYPE_CHECKING:
    from conftest import Copy


@pytest.fixture(scope="module")
def shipped_tiny() -> gw.Scenario:
    return gw.load_scenario(SCENARIOS / "tiny")


def problems_of(folder: object) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        gw.load_scenario(folder)  # type: ignore[arg-type]
    return info.value.problems


def override_problems(scenario: gw.Scenario, overrides: dict[str, object]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        scenario.with_overrides(overrides)
    return [str(p) for p in info.value.problems]


# -- flags are not numbers ------------------------------------------------------------------------------
FLAG = "is not a number (YAML reads yes, no, on, off as true or false); expected a number"


@pytest.mark.parametrize("text", ["yes", "true", "on", "no"])
def test_a_flag_in_scenario_yaml_is_not_a_number(tiny: Copy, text: str) -> None:
    line = tiny.yaml_set("ceiling_mw", text)
    shown = "false" if text == "no" else "true"
    assert [str(p) for p in problems_of(tiny.path)] == [f"scenario.yaml, line {line}, key 'ceiling_mw': {shown}: {shown} {FLAG}"]


@pytest.mark.parametrize("value", [True, "yes", "true", "on"])
def test_a_flag_as_an_override_is_not_a_number(shipped_tiny: gw.Scenario, value: object) -> None:
    assert override_problems(shipped_tiny, {"ceiling_mw": value}) == [f"overrides, key 'ceiling_mw': true: true {FLAG}"]
    assert override_problems(shipped_tiny, {"solver.time_limit": value}) == [f"overrides, key 'solver.time_limit': true: true {FLAG}"]


def test_a_flag_in_a_numeric_cell_is_blamed_on_the_override(shipped_tiny: gw.Scenario) -> None:
    assert override_problems(shipped_tiny, {"chips[new_liquid].it_kw_per_unit": True}) == [
        "overrides, key 'chips[new_liquid].it_kw_per_unit': true: true is not a number; expected a number > 0 (in chips.csv, line 3)"
    ]


# -- override keys and lists --------------------------------------------------------------------------------
def test_a_list_of_the_wrong_length_names_key_length_and_rows(shipped_tiny: gw.Scenario) -> None:
    rows = len(shipped_tiny.sites)
    (message,) = override_problems(shipped_tiny, {"sites.max_mw": [100.0] * (rows + 4)})
    assert message.startswith("overrides, key 'sites.max_mw': [100.0, 100.0")
    assert message.endswith(f": {rows + 4} values given for {rows} rows of sites.csv; expected one value for them all, or a list of {rows}")
    (message,) = override_problems(shipped_tiny, {"sites.max_mw": {"a": 1}})
    assert message == f"overrides, key 'sites.max_mw': {{'a': 1}}: expected one value for the {rows} rows of sites.csv, or a list of {rows}"


def test_a_list_of_the_right_length_sets_one_value_per_row(shipped_tiny: gw.Scenario) -> None:
    sizes = [float(100 * (i + 1)) for i in range(len(shipped_tiny.sites))]
    out = shipped_tiny.with_overrides({"sites.max_mw": sizes, "chips[old_air].capex_usd_per_unit": [9e5]})
    assert list(out.sites.max_mw) == sizes and out.chips.set_index("chip_id").capex_usd_per_unit["old_air"] == 9e5


@pytest.mark.parametrize(
    ("key", "hint"),
    [("chips[rubin.first_year", "chips"), ("chipz.capex_usd_per_unit", "chips"), ("ceilng_mw", "ceiling_mw"), ("sitez[a].max_mw", "sites")],
)
def test_a_malformed_override_key_is_named_not_blamed_on_scenario_yaml(shipped_tiny: gw.Scenario, key: str, hint: str) -> None:
    (message,) = override_problems(shipped_tiny, {key: 1})
    assert message.startswith(f"overrides, key '{key}': neither a setting nor a table column (did you mean '{hint}'?); expected a setting")


def test_an_unknown_nested_setting_is_blamed_on_the_override(shipped_tiny: gw.Scenario) -> None:
    (message,) = override_problems(shipped_tiny, {"solver.nme": "x"})
    assert message.startswith("overrides, key 'solver.nme': unknown setting (did you mean 'name'?)")


# -- strictly positive means a real figure ---------------------------------------------------------------
TINY_POSITIVE = "too small to be a real figure (its reciprocal is beyond 1e+15); expected a number ≥ 1e-15"


def test_a_subnormal_unit_power_is_refused_in_the_file(tiny: Copy) -> None:
    tiny.set("chips", 1, "it_kw_per_unit", "5e-324")
    assert [str(p) for p in problems_of(tiny.path)] == [f"chips.csv, line 3, column 'it_kw_per_unit': 5e-324: {TINY_POSITIVE}"]


def test_a_subnormal_setting_or_cell_override_is_refused(shipped_tiny: gw.Scenario) -> None:
    assert override_problems(shipped_tiny, {"ceiling_mw": 5e-324}) == [f"overrides, key 'ceiling_mw': 5e-324: {TINY_POSITIVE}"]
    assert override_problems(shipped_tiny, {"chips[old_air].it_kw_per_unit": 5e-324}) == [
        f"overrides, key 'chips[old_air].it_kw_per_unit': 5e-324: {TINY_POSITIVE} (in chips.csv, line 2)"
    ]
    assert shipped_tiny.with_overrides({"chips[old_air].it_kw_per_unit": 1e-15}).chips.it_kw_per_unit.iloc[0] == 1e-15


# -- one report with every problem ------------------------------------------------------------------------
def found(problems: list[Problem]) -> set[tuple[str, int | None, str | None, object]]:
    return {(p.file, p.line, p.column, p.value) for p in problems}


def test_a_bad_number_a_bad_category_and_a_dangling_reference_come_together(tiny: Copy) -> None:
    tiny.set("sites", 0, "pue", "0.5")
    tiny.set("sites", 1, "cooling", "water")
    tiny.set("sites", 2, "node_id", "nowhere")
    problems = problems_of(tiny.path)
    assert found(problems) == {
        ("sites.csv", 2, "pue", "0.5"),
        ("sites.csv", 3, "cooling", "water"),
        ("sites.csv", 4, "node_id", "nowhere"),
    }
    assert "sites.csv, line 4, column 'node_id': 'nowhere': not found in nodes.csv" in str(problems[-1])


def test_keys_ranges_years_and_islands_are_checked_beside_bad_cells(tiny: Copy) -> None:
    tiny.set("chips", 0, "capex_usd_per_unit", "lots")
    tiny.set("sites", 1, "site_id", "north_liquid")  # given twice
    tiny.set("sites", 0, "block_mw", "500")  # larger than max_mw 60
    tiny.set("demand", 0, "year", "1999")
    tiny.set("supplies", 1, "node_id", "north")  # the south node loses its only supply
    tiny.set("links", 0, "capacity_mw", "0")  # and its link to the north
    problems = problems_of(tiny.path)
    assert {(p.file, p.line, p.column) for p in problems} == {
        ("chips.csv", 2, "capex_usd_per_unit"),
        ("sites.csv", 3, "site_id"),
        ("sites.csv", 2, "block_mw"),
        ("demand.csv", 2, "year"),
        ("sites.csv", 4, "node_id"),
    }
    island = next(p for p in problems if p.column == "node_id")
    assert "site 'south_liquid' cannot reach any supply: its node lies on an island of the grid {south} with no supply" in island.message


def test_a_bad_cell_hides_no_problem_and_invents_none(tiny: Copy) -> None:
    """A node id left empty could be the one a site names: no 'not found' on its account, no island either."""
    tiny.set("nodes", 1, "node_id", "")
    tiny.set("sites", 0, "max_mw", "-1")
    assert found(problems_of(tiny.path)) == {("nodes.csv", 3, "node_id", None), ("sites.csv", 2, "max_mw", "-1")}


# -- the island check scales with the grid --------------------------------------------------------------
def chain(n: int, cut: int) -> tuple[dict, dict]:
    """Settings and tables of a chain of ``n`` nodes (a site at each), its one supply at the start, the link after ``cut`` unusable."""
    import pandas as pd
    from builders import chip, link, site, supply

    links = [link(f"l{i}", f"n{i}", f"n{i + 1}", capacity_mw=0.0 if i == cut else 1000.0) for i in range(n - 1)]
    tables = {
        "nodes": pd.DataFrame({"node_id": [f"n{i}" for i in range(n)], "lat": 40.0, "lon": -80.0}),
        "links": pd.DataFrame(links),
        "sites": pd.DataFrame([site(f"s{i}", node_id=f"n{i}") for i in range(n)]),
        "supplies": pd.DataFrame([supply("g", node_id="n0")]),
        "chips": pd.DataFrame([chip("a")]),
        "demand": pd.DataFrame([{"year": 2026, "eflops": 1.0}]),
    }
    return {"name": "chain", "years": [2026], "ceiling_mw": 1000.0}, tables


def test_an_island_is_reported_once_with_a_capped_list() -> None:
    settings, tables = chain(40, cut=24)  # nodes n25..n39 are cut off
    with pytest.raises(ScenarioError) as info:
        gw.Scenario.from_tables(settings, tables)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.column, problem.value) == ("sites.csv", 27, "node_id", "n25")
    sites = ", ".join(f"'s{i}'" for i in range(25, 35))
    nodes = ", ".join(f"n{i}" for i in range(25, 35))
    assert problem.message.startswith(
        f"sites {sites} and 5 more (15 sites) cannot reach any supply: their nodes lie on an island of the grid "
        f"{{{nodes} and 5 more (15 nodes)}} with no supply; expected a supply in supplies.csv"
    )


def test_the_island_check_of_a_20000_node_chain_takes_seconds() -> None:
    """Was: one component search per site, every member listed for every site (minutes, megabytes of text)."""
    import time

    settings, tables = chain(20_000, cut=9_999)
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        gw.Scenario.from_tables(settings, tables)
    assert time.perf_counter() - started < 30
    (problem,) = info.value.problems
    assert "and 9,990 more (10,000 sites)" in problem.message and len(str(problem)) < 1000


def test_multiplying_whole_cells_by_a_huge_integer_is_refused_not_an_overflow(shipped_tiny: gw.Scenario) -> None:
    """Was: OverflowError from numpy (found by tests/fuzz/test_inputs_fuzz.py)."""
    problems = override_problems(shipped_tiny, {"chips.accelerators_per_unit*": 2**63})
    assert problems[0].startswith("overrides, key 'chips.accelerators_per_unit*': 7.378697629483821e+19: expected a whole number ≥ 1")
