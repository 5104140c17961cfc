"""The format reference is generated from the schema, and the committed copy matches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigawatt.scenario import TABLES
from gigawatt.scenario.docs import main, render_markdown
from gigawatt.scenario.settings import Settings, SolverSettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md"


def test_committed_docs_match_the_schema() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), "docs/scenario-format.md is stale: run `make docs`"


def test_docs_cover_every_table_column_and_setting() -> None:
    text = render_markdown()
    for schema in TABLES.values():
        section = text.split(f"### `{schema.file}`", 1)[1].split("### ", 1)[0]
        for col in schema.columns:
            assert f"| `{col.name}` | {col.dtype} |" in section, (schema.file, col.name)
    for name in Settings.model_fields:
        assert f"| `{name}` |" in text
    for name in SolverSettings.model_fields:
        assert f"| `solver.{name}` |" in text


def test_docs_state_bounds_units_and_defaults() -> None:
    text = render_markdown()
    assert "| `pue` | float | - | yes | *required* | ≥ 1 and ≤ 3 |" in text
    assert "| `loss_frac` | float | - | yes | *required* | ≥ 0 and < 1 |" in text
    assert "| `expand_max_mw` | float | MW | no | `0` | ≥ 0 |" in text
    assert "| `ceiling_mw` | number | *required* | > 0 |" in text
    assert "| `discount_rate` | number | `0.07` | ≥ 0 and < 1 |" in text


@pytest.mark.parametrize("topic", ["extends", "with_overrides", "--set", "Units are in the column names", "`source`"])
def test_docs_prose_explains(topic: str) -> None:
    assert topic in render_markdown().split("## Settings", 1)[0]


def test_module_prints_the_docs(capsys: pytest.CaptureFixture[str]) -> None:
    main()
    assert capsys.readouterr().out == render_markdown()
