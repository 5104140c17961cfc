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
