"""Overrides of settings and table cells: replace, multiply, add; every bad key named."""

from __future__ import annotations

import pickle

import pytest
from builders import SCENARIOS

import gigawatt as gw
from gigawatt.scenario.overrides import OverrideKey, split_override


@pytest.fixture(scope="module")
def tiny() -> gw.Scenario:
    return gw.load_scenario(SCENARIOS / "tiny")


def test_parse_keys() -> None:
    assert OverrideKey.parse("ceiling_mw") == OverrideKey("ceiling_mw", None, setting="ceiling_mw")
    assert OverrideKey.parse("solver.time_limit*").setting == "solver.time_limit"
    key = OverrideKey.parse("chips[old_air].first_year")
    assert (key.table, key.column, key.select_column, key.select_value, key.op) == ("chips", "first_year", "chip_id", "old_air", None)
    key = OverrideKey.parse("supplies[node_id=north].capacity_mw+")
    assert (key.table, key.column, key.select_column, key.select_value, key.op) == ("supplies", "capacity_mw", "node_id", "north", "+")


def test_row_override_changes_only_that_row(tiny: gw.Scenario) -> None:
    out = tiny.with_overrides({"chips[new_liquid].capex_usd_per_unit": "123.5"})
    chips, before = out.chips.set_index("chip_id"), tiny.chips.set_index("chip_id")
    assert chips.loc["new_liquid", "capex_usd_per_unit"] == 123.5
    assert chips.loc["old_air", "capex_usd_per_unit"] == before.loc["old_air", "capex_usd_per_unit"]
    assert before.loc["new_liquid", "capex_usd_per_unit"] == 2_400_000  # the original is untouched (chips.csv)


def test_column_multiply_and_add(tiny: gw.Scenario) -> None:
    out = tiny.with_overrides({"supplies.energy_price_usd_per_mwh*": 1.25, "sites.max_mw+": 10})
    assert list(out.supplies.energy_price_usd_per_mwh) == pytest.approx(list(tiny.supplies.energy_price_usd_per_mwh * 1.25))
    assert list(out.sites.max_mw) == pytest.approx(list(tiny.sites.max_mw + 10))


def test_select_rows_by_another_column(tiny: gw.Scenario) -> None:
    node = tiny.supplies.node_id.iloc[0]
    out = tiny.with_overrides({f"supplies[node_id={node}].capacity_mw*": 0.5})
    at_node = tiny.supplies.node_id == node
    assert list(out.supplies.capacity_mw[at_node]) == pytest.approx(list(tiny.supplies.capacity_mw[at_node] / 2))
    assert list(out.supplies.capacity_mw[~at_node]) == list(tiny.supplies.capacity_mw[~at_node])


def test_setting_multiply(tiny: gw.Scenario) -> None:
    assert tiny.with_overrides({"ceiling_mw*": 1.5}).settings.ceiling_mw == tiny.settings.ceiling_mw * 1.5


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("chips[nope].first_year", 2027, "no row of chips.csv has chip_id = 'nope'"),
        ("chips.nope", 1, "chips.csv has no column 'nope'"),
        ("supplies[color=red].capacity_mw", 1, "cannot select rows by 'color'"),
        ("supplies.energy_price_usd_per_mwh*", "x", "'*' needs a number"),
        ("ceiling_mw*", "x", "'*' needs a numeric setting"),
        ("ceiling_mw", -1, "expected a number > 0"),
    ],
)
def test_bad_overrides_are_named(tiny: gw.Scenario, key: str, value: object, expected: str) -> None:
    with pytest.raises(gw.ScenarioError) as info:
        tiny.with_overrides({key: value})
    (problem,) = info.value.problems
    assert problem.file == "overrides" and problem.column == key
    assert expected in problem.message


def test_override_that_breaks_a_rule_is_reported_by_validation(tiny: gw.Scenario) -> None:
    with pytest.raises(gw.ScenarioError, match="first_year"):
        tiny.with_overrides({"chips[old_air].first_year": 2099})


def test_scenarios_pickle(tiny: gw.Scenario) -> None:
    again = pickle.loads(pickle.dumps(tiny))
    assert again.hash == tiny.hash and again.lines == tiny.lines and again.files == tiny.files
    assert again.with_overrides(ceiling_mw=90).settings.ceiling_mw == 90


def test_a_derived_scenario_records_its_overrides_through_pickling(tiny: gw.Scenario) -> None:
    """Oldest first, as given; the hash depends on the values only."""
    derived = tiny.with_overrides(ceiling_mw=90).with_overrides({"chips[old_air].capex_usd_per_unit*": 2})
    assert tiny.overrides == () and derived.overrides == ("ceiling_mw=90", "chips[old_air].capex_usd_per_unit*=2")
    assert pickle.loads(pickle.dumps(derived)).overrides == derived.overrides
    assert tiny.with_overrides(ceiling_mw=90).hash == tiny.with_overrides({"ceiling_mw": "90"}).hash


def test_untouched_tables_are_reused_and_still_checked_against_the_changed_ones(tiny: gw.Scenario) -> None:
    out = tiny.with_overrides({"ceiling_mw": 90})
    assert all(out.tables[name] is not tiny.tables[name] for name in tiny.tables)  # shallow copies: the original stays as it was
    assert all(out.tables[name].equals(tiny.tables[name]) for name in tiny.tables)
    assert out.lines == tiny.lines and out.hash == tiny.with_overrides({"ceiling_mw": 90.0}).hash
    node = tiny.sites.node_id.iloc[0]
    with pytest.raises(gw.ScenarioError) as info:
        tiny.with_overrides({f"nodes[node_id={node}].node_id": "elsewhere"})  # sites.csv, untouched, now points nowhere
    problem = next(p for p in info.value.problems if p.file.endswith("sites.csv"))
    assert problem.column == "node_id" and problem.line == tiny.lines["sites"][0]


@pytest.mark.parametrize(
    ("item", "pair"),
    [
        ("supplies[node_id=south].capacity_mw=90", ("supplies[node_id=south].capacity_mw", "90")),
        ("ceiling_mw=4000", ("ceiling_mw", "4000")),
        ("description=a=b", ("description", "a=b")),
        (" name =x[y]", ("name", "x[y]")),
    ],
)
def test_split_override_at_the_first_equals_outside_brackets(item: str, pair: tuple[str, str]) -> None:
    assert split_override(item) == pair


@pytest.mark.parametrize("item", ["ceiling_mw", "chips[a=b]", "=4000", ""])
def test_split_override_refuses_what_has_no_key_value(item: str) -> None:
    with pytest.raises(ValueError, match="expected KEY=VALUE"):
        split_override(item)
