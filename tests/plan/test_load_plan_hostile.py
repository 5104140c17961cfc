"""``load_plan`` and ``gigawatt report DIR`` on damaged plan folders: PlanFileError naming the file, exit 2, never a raw error."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from builders import SCENARIOS
from typer.testing import CliRunner

import gigawatt as gw
from gigawatt.cli import app
from gigawatt.errors import PlanFileError

runner = CliRunner()


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan = gw.solve(gw.load_scenario(SCENARIOS / "tiny"), threads=1)
    return plan.save(tmp_path_factory.mktemp("saved") / "run")


@pytest.fixture
def folder(original: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(original, tmp_path / "run"))


def edit_meta(folder: Path, change: Callable[[dict], None]) -> None:
    meta = json.loads((folder / "plan.json").read_text())
    change(meta)
    (folder / "plan.json").write_text(json.dumps(meta))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def rewrite_table(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    change(pd.read_parquet(path)).to_parquet(path, index=False)


#: Damage -> (file named, words in the message).
CASES: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "truncated parquet": (lambda f: truncate(f / "sites.parquet"), "sites.parquet", "not a readable Parquet table"),
    "garbage parquet": (lambda f: (f / "power.parquet").write_bytes(b"\x00garbage" * 50), "power.parquet", "not a readable Parquet table"),
    "missing table": (lambda f: (f / "chips.parquet").unlink(), "chips.parquet", "is missing"),
    "table is a folder": (lambda f: ((f / "costs.parquet").unlink(), (f / "costs.parquet").mkdir()), "costs.parquet", "not a regular file"),
    "missing column": (lambda f: rewrite_table(f / "power.parquet", lambda t: t.drop(columns="facility_mw")), "power.parquet", "no column"),
    "text in a number column": (
        lambda f: rewrite_table(f / "power.parquet", lambda t: t.assign(facility_mw="lots")),
        "power.parquet",
        "column 'facility_mw': expected numbers",
    ),
    "number in an id column": (
        lambda f: rewrite_table(f / "serving.parquet", lambda t: t.assign(site_id=1.5)),
        "serving.parquet",
        "column 'site_id': expected text",
    ),
    "fractional years": (
        lambda f: rewrite_table(f / "power.parquet", lambda t: t.assign(year=t["year"] + 0.5)),
        "power.parquet",
        "expected whole years",
    ),
    "broken json": (lambda f: (f / "plan.json").write_text('{"status": '), "plan.json", "is not valid JSON"),
    "deeply nested json": (lambda f: (f / "plan.json").write_text("[" * 100_000 + "]" * 100_000), "plan.json", "nests too deep"),
    "nested metadata": (
        lambda f: edit_meta(f, lambda m: m.update(metadata=json.loads('{"a":' * 200 + "1" + "}" * 200))),
        "plan.json",
        "nests deeper than",
    ),
    "json not an object": (lambda f: (f / "plan.json").write_text("[1, 2]"), "plan.json", "expected a JSON object"),
    "binary json": (lambda f: (f / "plan.json").write_bytes(b"\xff\xfe\x00garbage"), "plan.json", "is not UTF-8 text"),
    "tampered objective": (
        lambda f: edit_meta(f, lambda m: m.update(objective="cheap")),
        "plan.json",
        "expected float or null",
    ),
    "tampered timings": (lambda f: edit_meta(f, lambda m: m["timings"].update(solve="slow")), "plan.json", "timings 'solve'"),
    "missing status": (lambda f: edit_meta(f, lambda m: m.pop("status")), "plan.json", "no 'status'"),
    "future format": (lambda f: edit_meta(f, lambda m: m.update(format_version=99)), "plan.json", "format_version 99"),
    "missing scenario": (lambda f: shutil.rmtree(f / "scenario"), "scenario", "not a folder"),
    "broken scenario": (lambda f: (f / "scenario" / "scenario.yaml").write_text("ceiling_mw: [\n"), "scenario", "scenario is invalid"),
    "overrides not a list": (
        lambda f: edit_meta(f, lambda m: m["metadata"].update(overrides=None)),
        "plan.json",
        "metadata 'overrides': expected list, got NoneType",
    ),
    "an override not a text": (
        lambda f: edit_meta(f, lambda m: m["metadata"].update(overrides=[6000])),
        "plan.json",
        "metadata 'overrides': expected a list of texts",
    ),
    "a future without its probability": (
        lambda f: edit_meta(f, lambda m: m["metadata"].update(future="late", commit_year=2026)),
        "plan.json",
        "needs its 'probability' and 'commit_year'",
    ),
    "scenario without the links the plan has": (
        lambda f: (f / "scenario" / "links.csv").unlink(),
        "links.csv",
        "is missing, yet the plan's links.parquet names link_id",
    ),
    "a campus the scenario lacks": (
        lambda f: rewrite_table(f / "chips.parquet", lambda t: t.assign(site_id="atlantis")),
        "sites.csv",
        "has no site_id 'atlantis', which the plan's chips.parquet names",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_damaged_plan_raises_plan_file_error_naming_the_file(folder: Path, case: str) -> None:
    damage, name, words = CASES[case]
    damage(folder)
    with pytest.raises(PlanFileError, match=words) as caught:
        gw.load_plan(folder)
    assert caught.value.path.name == name


@pytest.mark.parametrize("case", ["truncated parquet", "deeply nested json", "tampered objective", "missing table"])
def test_report_of_a_damaged_plan_exits_2_naming_the_file(folder: Path, case: str) -> None:
    damage, name, words = CASES[case]
    damage(folder)
    result = runner.invoke(app, ["report", str(folder)])
    assert result.exit_code == 2, result.output
    assert f"{name}:" in result.output and words in result.output and "Traceback" not in result.output
    assert not (folder / "report.html").exists()


def test_a_binary_log_loads_with_replacement_characters(folder: Path) -> None:
    (folder / "log.txt").write_bytes(b"solver said \xff\xfe\x80 then stopped")
    plan = gw.load_plan(folder)
    assert plan.log == "solver said \ufffd\ufffd\ufffd then stopped"
    assert plan.summary() and plan.verify() == []


def test_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(PlanFileError, match="is not a folder"):
        gw.load_plan(tmp_path / "file")
    with pytest.raises(PlanFileError, match="no plan folder here"):
        gw.load_plan(tmp_path / "nothing")


def test_an_undamaged_copy_loads_and_verifies(folder: Path) -> None:
    plan = gw.load_plan(folder)
    assert plan.verify() == [] and "Plan for 'tiny'" in plan.summary()


def test_a_power_table_with_a_year_twice_still_summarises(folder: Path) -> None:
    """Found by the fuzz test: a power row duplicated made the summary's per-year compute a Series (TypeError)."""
    rewrite_table(folder / "power.parquet", lambda t: pd.concat([t, t.iloc[[0]]], ignore_index=True))
    plan = gw.load_plan(folder)
    assert plan.summary().startswith("Plan for ") and plan.compute["year"].is_unique


def test_a_plan_of_the_older_format_loads_with_the_tables_it_lacked_empty(folder: Path) -> None:
    """A format-1 plan (saved before ``unserved``, ``training`` and ``placements``, and before the ``retired_units`` column
    of the chips table) loads with a warning naming what it lacked, those read as empty (the verifier flags the empty cells); everything it
    had is kept."""
    for name in ("unserved", "training", "placements"):
        (folder / f"{name}.parquet").unlink()
    rewrite_table(folder / "chips.parquet", lambda t: t.drop(columns=["retired_units"]))
    edit_meta(folder, lambda m: m.update(format_version=1))
    with pytest.warns(gw.plan.plan.OlderPlanWarning, match=r"chips\.retired_units, .*training table, placements table, .*unserved table"):
        plan = gw.load_plan(folder)
    assert plan.unserved.empty and list(plan.placements.columns)[:2] == ["run_id", "placed"] and plan.training.empty
    assert plan.chips["retired_units"].isna().all() and plan.chips["installed_units"].sum() > 0
    assert plan.sites.equals(pd.read_parquet(folder / "sites.parquet")) and "unserved table" in plan.metadata["absent_when_saved"]
    assert "Plan for" in plan.summary()
    flagged = plan.verify()  # the verifier names what the old plan cannot show, and nothing else
    assert flagged and all(v.constraint == "nan_value" and "retired_units" in v.message for v in flagged)


def test_a_plan_of_this_format_missing_a_new_table_is_refused(folder: Path) -> None:
    (folder / "training.parquet").unlink()
    with pytest.raises(PlanFileError, match=r"training\.parquet.*is missing"):
        gw.load_plan(folder)
