r"""The model's math as a documentation page, from the docstring of each family's module (``python -m gigawatt.model.docs``).

The docstrings are written for Sphinx-style reading in the source (``.. math::`` blocks, ``:math:`` roles,
``:func:`` references); :func:`markdown` turns them into Markdown with ``$$ ... $$`` and ``$ ... $`` math (rendered
by the documentation site's arithmatex) and references as code.
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap

from gigawatt.model.families import families

#: ``:func:`x``` and its kin (Sphinx roles naming code) -> the name as code.
_ROLE = re.compile(r":(?:func|class|mod|meth|data|attr|exc|obj):`~?([^`]+)`")
_MATH_ROLE = re.compile(r":math:`([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")


def markdown(docstring: str) -> str:
    """A Sphinx-flavoured docstring as Markdown: math blocks and roles, references and literals."""
    lines = inspect.cleandoc(docstring).splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == ".. math::":
            i += 1
            block: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                block.append(lines[i])
                i += 1
            body = textwrap.dedent("\n".join(block)).strip("\n")
            for equation in body.split("\n\n"):  # each equation of the block displayed on its own
                out += ["", "$$", equation.strip("\n"), "$$", ""]
            continue
        out.append(_inline(line))
        i += 1
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"


def _inline(line: str) -> str:
    line = _MATH_ROLE.sub(lambda m: f"${m.group(1)}$", line)
    line = _ROLE.sub(lambda m: f"`{m.group(1)}`", line)
    return _LITERAL.sub(lambda m: f"`{m.group(1)}`", line)


def render_markdown() -> str:
    """The page: one section per family, in build order, with its module's docstring."""
    parts = [
        "# The model\n",
        "One section per family (one module under `gigawatt/model/`), in the order the model is built: producers,",
        "then the closers that read the ledger. Generated from the modules' docstrings by `python -m gigawatt.model.docs`",
        "(`make docs`); edit the docstrings, not this page.\n",
    ]
    for family in families():
        module = importlib.import_module(family.add.__module__)
        parts += [f"## {family.name} (`{module.__name__}`)\n", markdown(module.__doc__ or "(no description)")]
    return "\n".join(parts)


def main() -> None:
    print(render_markdown(), end="")


if __name__ == "__main__":
    main()
