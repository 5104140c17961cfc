"""The documentation site: the command-line page matches the app, and ``mkdocs build --strict`` passes (a broken link,
reference or page is an error). The model page: tests/model/test_docs.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_the_command_line_page_matches_the_app(tmp_path) -> None:
    out = tmp_path / "cli.md"
    subprocess.run([BIN / "typer", "gigawatt.cli", "utils", "docs", "--name", "gigawatt", "--output", out], check=True, cwd=ROOT)
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == out.read_text(encoding="utf-8"), (
        "docs/cli.md is stale: run `make docs`"
    )


def test_the_site_builds_strictly(tmp_path) -> None:
    if not (BIN / "mkdocs").exists():
        pytest.fail("mkdocs is missing: it is in the test extra (pip install -e '.[test]')")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [BIN / "mkdocs", "build", "--strict", "-q", "-d", tmp_path / "site"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    assert "gigawatt.solve" in api and "to_excel" in api  # the API reference is rendered from the docstrings
    assert (tmp_path / "site" / "notebooks" / "01_quickstart" / "index.html").is_file()
