"""The notebooks in notebooks/: stored without outputs, and each runs top to bottom in a real Jupyter kernel."""

from __future__ import annotations

import json
import sys
import time

import pytest
from builders import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Folders a notebook might write into by mistake; each run must leave them as they were.
WATCHED = ("notebooks", "scenarios")


def test_the_seven_stories_are_there():
    names = [p.name for p in NOTEBOOKS]
    assert names == [
        "01_quickstart.ipynb",
        "02_value_of_a_gigawatt.ipynb",
        "03_chip_roadmap.ipynb",
        "04_grid_and_sites.ipynb",
        "05_build_your_own_scenario.ipynb",
        "06_near_optimal_alternatives.ipynb",
        "07_commit_or_hedge.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs(path):
    """Outputs, execution counts and run metadata stay out of the repository (strip them before committing)."""
    book = json.loads(path.read_text())
    dirty = []
    for i, cell in enumerate(book["cells"]):
        if cell["cell_type"] != "code":
            continue
        if cell.get("outputs"):
            dirty.append(f"cell {i}: outputs")
        if cell.get("execution_count") is not None:
            dirty.append(f"cell {i}: execution_count")
        if {"execution", "collapsed", "scrolled"} & set(cell.get("metadata", {})):
            dirty.append(f"cell {i}: run metadata")
    assert dirty == [], f"{path.name} has {', '.join(dirty)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_prose_between_cells(path):
    """Each notebook tells a story: it opens with a title and no two code cells follow each other more than twice."""
    cells = json.loads(path.read_text())["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# ")
    kinds = "".join("c" if c["cell_type"] == "code" else "m" for c in cells)
    assert "ccc" not in kinds, kinds
    assert kinds.count("m") >= 5


@pytest.fixture(scope="session")
def kernel_name(tmp_path_factory) -> str:
    """A kernelspec for this interpreter (the project's venv), whatever other 'python3' kernels the machine has."""
    folder = tmp_path_factory.mktemp("jupyter") / "kernels" / "gigawatt-test"
    folder.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "gigawatt", "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(spec))
    return str(folder.parents[1])


def snapshot() -> dict[str, float]:
    return {str(p): p.stat().st_mtime for name in WATCHED for p in (ROOT / name).rglob("*") if p.is_file()}


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, kernel_name, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("JUPYTER_PATH", kernel_name)
    book = nbformat.read(path, as_version=4)
    before = snapshot()
    started = time.perf_counter()
    client = nbclient.NotebookClient(book, timeout=600, kernel_name="gigawatt-test", resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    seconds = time.perf_counter() - started
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    assert snapshot() == before, "the notebook wrote into the repository"
    print(f"{path.name}: {seconds:.0f} s")
