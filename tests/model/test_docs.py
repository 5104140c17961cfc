"""The model page of the documentation: generated from the families' docstrings, and the committed copy matches it."""

from __future__ import annotations

from pathlib import Path

from gigawatt.model.docs import markdown, render_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_the_model_page_matches_the_family_docstrings() -> None:
    assert (ROOT / "docs" / "model.md").read_text(encoding="utf-8") == render_markdown(), "docs/model.md is stale: run `make docs`"


def test_docstring_math_and_references_become_markdown() -> None:
    text = markdown("""Title.

    Capacity :math:`c_s` of :func:`~gigawatt.model.sites.add_sites` and ``v_open``:

    .. math::

        a \\le b

        c = d

    Done.""")
    assert "Capacity $c_s$ of `gigawatt.model.sites.add_sites` and `v_open`:" in text
    assert "$$\na \\le b\n$$\n\n$$\nc = d\n$$" in text and text.endswith("Done.\n")
