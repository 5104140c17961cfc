"""Valid values far from every public figure are warned about (likely unit slips), never refused."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pytest
from builders import SCENARIOS, scenario

import gigawatt as gw
from gigawatt.scenario.errors import PlausibilityWarning

if TYPE_CHECKING:
    from conftest import Copy

SHIPPED = ("default", "pool", "tiny", "rubin_delay", "ceiling_4gw", "workloads")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_raise_no_warning(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gw.load_scenario(SCENARIOS / name).warnings == ()


def test_builders_and_the_benchmark_generator_raise_no_warning() -> None:
    from benchmarks.generator import FAMILIES, generate

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert scenario().warnings == ()
        for family in FAMILIES:
            assert generate(family, seed=1, sites=60).scenario().warnings == ()


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "expected"),
    [
        ("chips", 1, "it_kw_per_unit", "135000", "135,000 kW per unit is far outside public figures (0.5 to 200 kW per unit: "),
        ("sites", 1, "capex_usd_per_mw", "10", "10 USD per MW is far outside public figures (7.4 million to 15.2 million USD per MW: "),
        ("sites", 0, "open_cost_usd", "150", "150 USD is far outside public figures (5.7 million to 540 million USD: "),
        (
            "chips",
            0,
            "capex_usd_per_unit",
            "268.8",
            "268.8 USD per unit is far outside public figures (10,000 to 5.9 million USD per unit: ",
        ),
        ("supplies", 0, "energy_price_usd_per_mwh", "7.75", "7.75 USD/MWh is far outside public figures (57.5 to 186.4 USD/MWh: "),
    ],
)
def test_a_unit_slip_is_warned_with_file_line_column_value(
    tiny: Copy, table: str, row: int, column: str, value: str, expected: str
) -> None:
    tiny.set(table, row, column, value)
    with pytest.warns(PlausibilityWarning) as caught:
        loaded = gw.load_scenario(tiny.path)
    (warning,) = [str(w.message) for w in caught]
    assert warning.startswith(f"{table}.csv, line {row + 2}, column '{column}': {value}: {expected}")
    assert [str(p) for p in loaded.warnings] == [warning]
    assert f"    - {warning}" in loaded.summary()


@pytest.mark.parametrize(
    ("column", "value", "slip"),
    [
        ("it_kw_per_unit", 135000, ": 135 kW per unit if this was typed in W"),
        ("it_kw_per_unit", 0.0102, ": 10.2 kW per unit if this was typed in MW"),
        ("capex_usd_per_unit", 268.8, ": 268,800 USD per unit if this was typed in thousands of USD"),
        ("pflops_per_unit", 15832000, ": 15,832 PFLOP/s per unit if this was typed in TFLOP/s"),
    ],
)
def test_the_likely_slip_is_named(column: str, value: float, slip: str) -> None:
    base = gw.load_scenario(SCENARIOS / "tiny")
    with pytest.warns(PlausibilityWarning, match="far outside public figures"):
        changed = base.with_overrides({f"chips[old_air].{column}": value})
    (problem,) = changed.warnings
    assert (problem.file, problem.line, problem.column, problem.value) == ("chips.csv", 2, column, value)
    assert problem.message.endswith(slip)


def test_capex_per_mw_names_the_slip_that_fits() -> None:
    base = gw.load_scenario(SCENARIOS / "tiny")
    with pytest.warns(PlausibilityWarning):
        per_kw = base.with_overrides({"sites[north_air].capex_usd_per_mw": 11700})
    assert per_kw.warnings[0].message.endswith(": 11.7 million USD per MW if this was typed in USD per kW")


def test_zero_is_a_deliberate_figure_and_derived_scenarios_warn_only_for_what_changed() -> None:
    base = gw.load_scenario(SCENARIOS / "tiny")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        free = base.with_overrides({"sites.capex_usd_per_mw": 0, "supplies.energy_price_usd_per_mwh": 0})
    assert free.warnings == ()
    with pytest.warns(PlausibilityWarning):
        odd = base.with_overrides({"chips[old_air].it_kw_per_unit": 135000})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = odd.with_overrides({"ceiling_mw": 90})  # chips.csv is untouched: said already, still listed
    assert again.warnings == odd.warnings
