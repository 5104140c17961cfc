"""``build_model``: producers register into the ledger, the ledger closes, then the closers read it.

The table of contents is :func:`gigawatt.model.families.families`: sites, chips, supplies, links,
serving, interconnection (producers), then the producers' rows over the closed ledger (interconnection),
then power (site capacity and the ceiling), node balance, compute, policies and
the objective (closers), each in its own module with its math in the docstring.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

import pyomo.environ as pyo

from gigawatt.model.data import ModelData, build_data
from gigawatt.model.families import families
from gigawatt.model.ledger import Ledger
from gigawatt.model.options import ModelOptions
from gigawatt.scenario import Scenario


def build_model(scenario: Scenario | ModelData, options: ModelOptions | None = None) -> pyo.ConcreteModel:
    """Build the buildout MIP for a validated scenario.

    The returned Pyomo model can be inspected or extended (add a constraint) before
    :func:`gigawatt.solve_model`. ``m.data`` holds the index sets, ``m.ledger`` the registered terms.
    """
    options = options or ModelOptions()
    with collector_paused():
        data = scenario if isinstance(scenario, ModelData) else build_data(scenario)
        ledger = Ledger(data.horizon, {s: row.node_id for s, row in data.site.items()})
        m = pyo.ConcreteModel(name=data.scenario.name)
        m.data, m.ledger, m.options = data, ledger, options
        producers = [f for f in families() if not f.closes]
        for family in producers:
            family.add(m, data, ledger, options)
        ledger.close()
        for family in producers:
            if family.close is not None:
                family.close(m, data, ledger, options)
        for family in families():
            if family.closes:
                family.add(m, data, ledger, options)
    return m


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block: a model is millions of small objects
    that it would walk again and again while they are created (about half the build and compile time).

    On the way out, everything the block created is moved straight to the oldest generation
    (``freeze`` then ``unfreeze``): left in the youngest, the first collection after the block would
    walk all of it (1.3 s at 1,000 campuses), and the one after that again on its way up."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()
