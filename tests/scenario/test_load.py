"""Loading: ``extends`` chains, call-time overrides, content hashes, in-memory tables, the summary."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from builders import chip, one_node_tables

import gigawatt as gw
from gigawatt.scenario import Problem, Scenario, ScenarioError
from gigawatt.scenario.files import read_csv

if TYPE_CHECKING:
    from conftest import Copy

ONE_CHIP = (
    "chip_id,first_year,last_year,accelerators_per_unit,it_kw_per_unit,pflops_per_unit,capex_usd_per_unit,"
    "lifetime_years,cooling,max_units_per_year\n"
    "only_air,2026,2027,8,100,10,1000000,5,air,1000\n"
)


@pytest.fixture
def child(tiny: Copy) -> Path:
    """``<root>/child`` extends tiny: renames it, raises the ceiling, sets one solver key, brings its own chips."""
    folder = tiny.root / "child"
    folder.mkdir()
    (folder / "scenario.yaml").write_text("extends: ../tiny\nname: child\nceiling_mw: 150\nsolver:\n  time_limit: 30\n")
    (folder / "chips.csv").write_text(ONE_CHIP)
    return folder


def problems_from(call: Callable[..., object], *args: object, **kwargs: object) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        call(*args, **kwargs)
    return info.value.problems


# -- extends ------------------------------------------------------------------------------------


def test_child_overrides_a_setting_and_a_table_and_inherits_the_rest(tiny: Copy, child: Path) -> None:
    base, scn = gw.load_scenario(tiny.path), gw.load_scenario(child)
    assert (scn.name, scn.settings.ceiling_mw) == ("child", 150.0)
    assert scn.settings.solver.time_limit == 30.0
    assert scn.settings.solver.mip_gap == base.settings.solver.mip_gap  # nested keys merge one by one
    assert (scn.settings.years, scn.settings.description, scn.settings.load_factor) == (
        base.settings.years,
        base.settings.description,
        base.settings.load_factor,
    )
    assert list(scn.chips.chip_id) == ["only_air"]
    for name in set(base.tables) - {"chips"}:
        pd.testing.assert_frame_equal(scn.tables[name], base.tables[name])
    assert scn.files["chips"] == "chips.csv" and scn.files["sites"] == "../tiny/sites.csv"


def test_a_chain_of_three(tiny: Copy, child: Path) -> None:
    grandchild = tiny.root / "grandchild"
    grandchild.mkdir()
    (grandchild / "scenario.yaml").write_text("extends: ../child\ndiscount_rate: 0.05\n")
    scn = gw.load_scenario(grandchild)
    assert (scn.name, scn.settings.ceiling_mw, scn.settings.discount_rate) == ("child", 150.0, 0.05)
    assert list(scn.chips.chip_id) == ["only_air"] and len(scn.sites) == len(tiny.rows("sites"))


def test_tables_mapping_points_at_another_file(tiny: Copy, child: Path) -> None:
    (child / "high.csv").write_text("year,eflops\n2026,5\n2027,12\n")
    (child / "scenario.yaml").write_text((child / "scenario.yaml").read_text() + "tables:\n  demand: high.csv\n")
    scn = gw.load_scenario(child)
    assert list(scn.demand.eflops) == [5.0, 12.0] and scn.files["demand"] == "high.csv"


def test_problems_in_an_inherited_file_name_that_file(tiny: Copy, child: Path) -> None:
    tiny.set("sites", 1, "pue", "0.5")
    tiny.yaml_set("load_factor", "2")
    found = {(p.file, p.line, p.column) for p in problems_from(gw.load_scenario, child)}
    assert ("../tiny/sites.csv", 3, "pue") in found
    assert ("../tiny/scenario.yaml", len(tiny.yaml_lines()), "load_factor") in found


def test_a_setting_is_blamed_on_the_file_that_set_it_last(tiny: Copy, child: Path) -> None:
    (child / "scenario.yaml").write_text("extends: ../tiny\nname: child\nceiling_mw: -1\n")
    (problem,) = problems_from(gw.load_scenario, child)
    assert (problem.file, problem.line, problem.column) == ("scenario.yaml", 3, "ceiling_mw")


def test_load_accepts_the_yaml_path_and_rejects_a_folder_without_one(tiny: Copy, tmp_path: Path) -> None:
    assert gw.load_scenario(tiny.file("scenario.yaml")).name == gw.load_scenario(tiny.path).name
    (problem,) = problems_from(gw.load_scenario, tmp_path / "nothing")
    assert "no scenario.yaml" in problem.message


def test_explicit_root_bounds_extends(tiny: Copy, child: Path) -> None:
    with pytest.raises(ScenarioError, match="outside the scenarios root"):
        gw.load_scenario(child, root=child)
    assert gw.load_scenario(child, root=tiny.root.parent).name == "child"


# -- overrides ----------------------------------------------------------------------------------


def test_overrides_parse_strings_by_type(tiny: Copy) -> None:
    scn = gw.load_scenario(tiny.path)
    new = scn.with_overrides({"ceiling_mw": "4000", "solver.time_limit": "30", "budget_usd_per_year": "null"}, years="[2026, 2027]")
    assert new.settings.ceiling_mw == 4000.0 and isinstance(new.settings.ceiling_mw, float)
    assert new.settings.solver.time_limit == 30.0
    assert new.settings.solver.mip_gap == scn.settings.solver.mip_gap
    assert new.settings.budget_usd_per_year is None and new.settings.years == [2026, 2027]
    assert scn.with_overrides(ceiling_mw=4000).settings.ceiling_mw == 4000.0
    assert scn.with_overrides(description="2026", name="true").settings.model_dump(include={"description", "name"}) == {
        "description": "2026",
        "name": "true",
    }  # text settings stay text


def test_overrides_leave_the_original_untouched(tiny: Copy) -> None:
    scn = gw.load_scenario(tiny.path)
    before = (scn.settings, dict(scn.raw_settings), scn.hash)
    scn.with_overrides({"ceiling_mw": "4000", "solver.time_limit": 30})
    assert (scn.settings, dict(scn.raw_settings), scn.hash) == before
    assert scn.settings.solver.time_limit is None


@pytest.mark.parametrize(
    ("overrides", "column", "fragment"),
    [
        ({"ceilin_mw": "3"}, "ceilin_mw", "did you mean 'ceiling_mw'"),
        ({"solver.time_limt": "3"}, "solver.time_limt", "did you mean 'time_limit'"),
        ({"ceiling_mw": "-3"}, "ceiling_mw", "expected a number > 0"),
        ({"solver.time_limit": "soon"}, "solver.time_limit", "expected a number"),
        ({"name.first": "x"}, "name.first", "not a group of settings"),
        ({"extends": "../default"}, "extends", "cannot be overridden"),
        ({"tables.sites": "other.csv"}, "tables.sites", "cannot be overridden"),
    ],
)
def test_bad_overrides_name_the_key(tiny: Copy, overrides: dict, column: str, fragment: str) -> None:
    scn = gw.load_scenario(tiny.path)
    problems = problems_from(scn.with_overrides, overrides)
    assert any(p.file == "overrides" and p.column == column and fragment in p.message for p in problems), problems


def test_overrides_keep_line_numbers_of_the_tables(tiny: Copy) -> None:
    scn = gw.load_scenario(tiny.path)
    last = len(tiny.rows("demand")) + 1
    problems = problems_from(scn.with_overrides, years="[2026]")
    assert ("demand.csv", last, "year") in {(p.file, p.line, p.column) for p in problems}


# -- hash ---------------------------------------------------------------------------------------


def test_hash_is_stable_for_equal_content(tiny: Copy, tmp_path: Path) -> None:
    a = gw.load_scenario(tiny.path)
    elsewhere = tmp_path / "copy" / "tiny"
    shutil.copytree(tiny.path, elsewhere)
    assert len(a.hash) == 16
    assert a.hash == gw.load_scenario(tiny.path).hash == gw.load_scenario(elsewhere).hash
    assert a.hash == Scenario.from_tables(dict(a.raw_settings), dict(a.tables)).hash
    assert a.hash == a.with_overrides(ceiling_mw=a.settings.ceiling_mw).hash


def test_hash_changes_with_content(tiny: Copy) -> None:
    a = gw.load_scenario(tiny.path)
    assert a.with_overrides(ceiling_mw=a.settings.ceiling_mw + 1).hash != a.hash
    tiny.set("sites", 0, "capex_usd_per_mw", float(tiny.cell("sites", 0, "capex_usd_per_mw")) + 1)
    assert gw.load_scenario(tiny.path).hash != a.hash


# -- from_tables --------------------------------------------------------------------------------

SETTINGS = {"name": "mem", "years": [2026], "ceiling_mw": 10.0}


def test_from_tables_with_typed_frames() -> None:
    scn = Scenario.from_tables(SETTINGS, one_node_tables(chips=[chip("a"), chip("b", cooling="liquid")]))
    assert list(scn.chips.chip_id) == ["a", "b"]
    assert scn.sites.pue.dtype == float and scn.chips.lifetime_years.dtype == "int64"
    assert scn.demand.region_id.tolist() == ["all"]  # optional column filled with its default
    assert scn.links.empty and list(scn.links.columns)[:3] == ["link_id", "from_node", "to_node"]  # absent optional table


def test_from_tables_with_text_frames_equals_typed(tiny: Copy) -> None:
    text = {p.stem: read_csv(p) for p in tiny.path.glob("*.csv")}
    loaded = gw.load_scenario(tiny.path)
    scn = Scenario.from_tables(dict(loaded.raw_settings), text)
    assert scn.hash == loaded.hash


def test_from_tables_reports_rows_as_lines() -> None:
    tables = one_node_tables(chips=[chip("a"), chip("b", lifetime_years=0)])
    (problem,) = problems_from(Scenario.from_tables, SETTINGS, tables)
    assert (problem.file, problem.line, problem.column) == ("chips.csv", 3, "lifetime_years")


def test_from_tables_names_missing_and_unknown_tables() -> None:
    tables = one_node_tables()
    tables["chipz"] = tables.pop("chips")
    messages = [str(p) for p in problems_from(Scenario.from_tables, SETTINGS, tables)]
    assert any("chipz.csv" in m and "did you mean 'chips'" in m for m in messages)
    assert any(m.startswith("chips.csv") and "required table is missing" in m for m in messages)


def test_from_tables_with_nan_in_a_required_cell() -> None:
    tables = one_node_tables()
    tables["sites"].loc[0, "pue"] = float("nan")
    (problem,) = problems_from(Scenario.from_tables, SETTINGS, tables)
    assert (problem.file, problem.line, problem.column) == ("sites.csv", 2, "pue") and "a value is required" in problem.message


def test_from_tables_does_not_touch_its_inputs() -> None:
    tables = one_node_tables()
    copies = {k: v.copy() for k, v in tables.items()}
    settings = {**SETTINGS, "solver": {"mip_gap": 0.01}}
    scn = Scenario.from_tables(settings, tables)
    settings["solver"]["mip_gap"] = 0.5
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, copies[name])
    assert scn.raw_settings["solver"] == {"mip_gap": 0.01}


# -- summary ------------------------------------------------------------------------------------


def test_summary_mentions_sites_mw_chips_years_and_ceiling(tiny: Copy) -> None:
    scn = gw.load_scenario(tiny.path)
    text = scn.summary()
    sites, chips = scn.sites, scn.chips
    assert f"{len(sites)} candidates" in text and f"{sites.max_mw.sum():,.0f} MW available" in text
    assert all(c in text for c in chips.chip_id)
    assert f"{scn.settings.years[0]}-{scn.settings.years[-1]}" in text
    assert f"{scn.settings.ceiling_mw:,.0f} MW facility power" in text
    assert scn.name in repr(scn)


def test_summary_counts_long_lists_instead_of_printing_them(tiny: Copy) -> None:
    """Twenty regions: the summary names the first eight and counts the other twelve."""
    scn = gw.load_scenario(tiny.path)
    ids = [f"r{i:02d}" for i in range(20)]
    regions = pd.DataFrame({"region_id": ids, "lat": 40.0, "lon": -100.0, "max_latency_ms": 60.0})
    demand = pd.DataFrame({"year": 2026, "region_id": ids, "eflops": 0.1})
    wide = Scenario.from_tables(scn.raw_settings, {**scn.tables, "regions": regions, "demand": demand})
    line = next(x for x in wide.summary().splitlines() if "regions" in x)
    assert line.endswith("r00, r01, r02, r03, r04, r05, r06, r07 and 12 more (20 in all)")
