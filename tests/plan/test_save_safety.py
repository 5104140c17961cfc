"""``plan.save``, ``solve --out`` and ``report --out`` never destroy what gigawatt did not write.

A target that exists and is not a gigawatt plan folder (or report) is refused unless forced; a
scenario folder is refused even then; ``--out .`` and paths under a file end in a clear message.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from builders import SCENARIOS
from typer.testing import CliRunner

import gigawatt as gw
from gigawatt.cli import app
from gigawatt.errors import OutputRefused
from gigawatt.plan.plan import FORMAT_VERSION, PLAN_MARKER, is_plan_folder

runner = CliRunner()
TINY = SCENARIOS / "tiny"


@pytest.fixture(scope="module")
def plan() -> gw.Plan:
    return gw.solve(gw.load_scenario(TINY), threads=1)


@pytest.fixture
def scenario_copy(tmp_path: Path) -> Path:
    """A copy of the tiny scenario with notes of its own."""
    folder = shutil.copytree(TINY, tmp_path / "tiny")
    (folder / "notes.md").write_text("my notes")
    return folder


def solve(*args: str) -> object:
    return runner.invoke(app, ["solve", str(TINY), "--threads", "1", *args])


def test_a_saved_plan_carries_its_marker_and_is_recognised(plan: gw.Plan, tmp_path: Path) -> None:
    target = plan.save(tmp_path / "run")
    assert (target / PLAN_MARKER).read_text() == f"gigawatt plan format {FORMAT_VERSION}\n"
    assert is_plan_folder(target)
    (target / PLAN_MARKER).unlink()  # a plan saved before the marker existed
    assert is_plan_folder(target)
    plan.save(target)  # replaced as a plan
    assert gw.load_plan(target).objective == plan.objective


def test_save_refuses_a_folder_of_user_files(plan: gw.Plan, tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "keep.txt").write_text("keep")
    with pytest.raises(OutputRefused, match="not a gigawatt plan folder"):
        plan.save(tmp_path / "proj")
    assert (tmp_path / "proj" / "keep.txt").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"]


def test_save_refuses_a_file_and_does_not_move_it_aside(plan: gw.Plan, tmp_path: Path) -> None:
    (tmp_path / "run").write_text("data")
    with pytest.raises(OutputRefused, match="is a file"):
        plan.save(tmp_path / "run")
    assert (tmp_path / "run").read_text() == "data"
    assert not (tmp_path / ".run.old").exists()


def test_overwrite_replaces_a_file_whole(plan: gw.Plan, tmp_path: Path) -> None:
    (tmp_path / "run").write_text("data")
    plan.save(tmp_path / "run", overwrite=True)
    assert gw.load_plan(tmp_path / "run").objective == plan.objective
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_plan_folder_holding_user_files_needs_overwrite(plan: gw.Plan, tmp_path: Path) -> None:
    target = plan.save(tmp_path / "run")
    (target / "notes.txt").write_text("mine")
    with pytest.raises(OutputRefused, match=r"files gigawatt did not write \(notes.txt\)"):
        plan.save(target)
    assert (target / "notes.txt").read_text() == "mine"
    plan.save(target, overwrite=True)
    assert not (target / "notes.txt").exists()


def test_a_scenario_folder_is_never_replaced_even_with_overwrite(plan: gw.Plan, scenario_copy: Path) -> None:
    for overwrite in (False, True):
        with pytest.raises(OutputRefused, match="holds a scenario"):
            plan.save(scenario_copy, overwrite=overwrite)
    assert (scenario_copy / "notes.md").read_text() == "my notes"
    assert (scenario_copy / "SOURCES.md").exists()
    with pytest.raises(OutputRefused, match="holds a scenario"):
        plan.save(scenario_copy.parent, overwrite=True)  # a folder holding scenario folders


def test_solve_out_onto_a_user_folder_exits_2_and_keeps_it(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "keep.txt").write_text("keep")
    result = solve("--out", str(tmp_path / "proj"))
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "not a gigawatt plan folder" in result.output and "--force" in result.output
    assert (tmp_path / "proj" / "keep.txt").read_text() == "keep"


def test_solve_out_with_force_replaces_a_user_folder(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "keep.txt").write_text("keep")
    result = solve("--out", str(tmp_path / "proj"), "--force")
    assert result.exit_code == 0, result.output
    assert is_plan_folder(tmp_path / "proj") and not (tmp_path / "proj" / "keep.txt").exists()


def test_solve_out_onto_the_scenario_folder_exits_2_even_with_force(scenario_copy: Path) -> None:
    before = sorted(p.name for p in scenario_copy.iterdir())
    for extra in ([], ["--force"]):
        result = runner.invoke(app, ["solve", str(scenario_copy), "--out", str(scenario_copy), *extra])
        assert result.exit_code == 2, result.output
        assert "holds a scenario (scenario.yaml)" in result.output
    assert sorted(p.name for p in scenario_copy.iterdir()) == before
    assert (scenario_copy / "notes.md").read_text() == "my notes"


@pytest.mark.parametrize("out", [".", "..", "./"])
def test_solve_out_dot_is_refused_with_a_message(out: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("keep")
    result = solve("--out", out)
    assert result.exit_code == 2, result.output
    assert "is the current folder or one of its parents" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_solve_out_relative_path_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = solve("--out", "plans/run")
    assert result.exit_code == 0, result.output
    assert gw.load_plan(tmp_path / "plans" / "run").status == "optimal"


def test_solve_out_under_a_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("keep")
    result = solve("--out", str(tmp_path / "keep.txt" / "run"))
    assert result.exit_code == 2, result.output
    assert "keep.txt is a file, not a folder" in result.output
    assert (tmp_path / "keep.txt").read_text() == "keep"


@pytest.fixture
def saved(plan: gw.Plan, tmp_path: Path) -> Path:
    return plan.save(tmp_path / "run")


def test_report_replaces_its_own_report_but_not_a_user_file(saved: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["report", str(saved), "--no-verify"]).exit_code == 0
    assert runner.invoke(app, ["report", str(saved), "--no-verify"]).exit_code == 0  # its own report: replaced
    mine = tmp_path / "mine.html"
    mine.write_text("<html>my page</html>")
    result = runner.invoke(app, ["report", str(saved), "--out", str(mine)])
    assert result.exit_code == 2 and "exists and is not a gigawatt report" in result.output
    assert mine.read_text() == "<html>my page</html>"
    assert runner.invoke(app, ["report", str(saved), "--out", str(mine), "--force", "--no-verify"]).exit_code == 0
    assert "gigawatt plan: tiny" in mine.read_text()


def test_report_out_onto_a_folder_or_under_a_file_exits_2(saved: Path, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("keep")
    onto_folder = runner.invoke(app, ["report", str(saved), "--out", str(tmp_path)])
    assert onto_folder.exit_code == 2 and "is a folder; name the report file" in onto_folder.output
    under_file = runner.invoke(app, ["report", str(saved), "--out", str(tmp_path / "keep.txt" / "r.html")])
    assert under_file.exit_code == 2 and "keep.txt is a file, not a folder" in under_file.output
    assert (tmp_path / "keep.txt").read_text() == "keep"


def test_report_never_replaces_a_scenario_file(saved: Path, scenario_copy: Path) -> None:
    target = scenario_copy / "notes.md"
    result = runner.invoke(app, ["report", str(saved), "--out", str(target), "--force"])
    assert result.exit_code == 2 and "in a scenario folder" in result.output
    assert target.read_text() == "my notes"


def test_saved_and_exported_folders_get_the_users_permissions(plan, tmp_path):
    """Mode 0777 less the umask, like any folder the user makes (not the 0700 of a temporary folder)."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        saved, exported = plan.save(tmp_path / "run"), plan.to_csv(tmp_path / "run-csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o755 and stat.S_IMODE(exported.stat().st_mode) == 0o755
