"""Every family of the model, found by its module's ``FAMILY`` declaration, in build order.

A new family is one new module under :mod:`gigawatt.model` with a ``FAMILY``; nothing here changes.
Producers come first (by ``order``), then the ledger closes, then the closers (by ``order``).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

import gigawatt.model as package
from gigawatt.model.family import Family, Rows, Variables


@functools.cache
def families() -> tuple[Family, ...]:
    """All families, producers then closers, each group by ``order``."""
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        family = getattr(module, "FAMILY", None)
        if isinstance(family, Family):
            found.append(family)
    return tuple(sorted(found, key=lambda f: (f.closes, f.order, f.name)))


@functools.cache
def rows() -> dict[str, Rows]:
    """Every declared ``c_*`` component by name."""
    return {r.name: r for f in families() for r in f.rows}


@functools.cache
def variables() -> dict[str, Variables]:
    """Every declared ``v_*`` component by name."""
    return {v.name: v for f in families() for v in f.variables}


@functools.cache
def plan_tables() -> dict[str, dict[str, str]]:
    """The plan's table contract: table -> column -> meaning, merged over the families in build order."""
    out: dict[str, dict[str, str]] = {}
    for family in families():
        for table, columns in family.tables.items():
            out.setdefault(table, {}).update(columns)
    return out


def coefficient_sources() -> dict[tuple[str, str], str]:
    """(row component, variable component) -> the scenario values that set that coefficient."""
    return {(r.name, v): text for r in rows().values() for v, text in r.coefficients.items()}
