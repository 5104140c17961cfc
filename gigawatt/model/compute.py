r"""Compute balance: at every site and year, the compute workloads use stays within the compute installed.

Reads only the ledger's compute accumulators: chips (and any family that adds or removes compute)
register supply, serving (and any workload) registers use, so a new workload draws on the same balance.

.. math::

    \sum (\text{registered use at } s, y) \le \sum (\text{registered supply at } s, y) \quad [EFLOP/s]
    \qquad (\texttt{c\_site\_compute[s, y]})

and, for each accelerator family f some workload is bound to at s in y (a training run on one family),

.. math::

    \sum (\text{registered use of } f \text{ at } s, y) \le \sum (\text{registered supply of } f \text{ at } s, y)
    \qquad (\texttt{c\_family\_compute[s, y, f]})

The ``unserved`` plan table reads the ledger's compute not delivered (``ledger.unserve``): per workload
(inference demand of a region, a training run), id and year, what was asked for and not got.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from gigawatt.model.data import ModelData
from gigawatt.model.family import Extraction, Family, Rows
from gigawatt.model.ledger import Ledger, linear
from gigawatt.model.options import ModelOptions


def add_compute(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """``c_site_compute[s, y]``: compute used <= compute supplied, where anything uses compute; ``c_family_compute[s, y, f]``
    the same for one accelerator family, where a workload bound to it uses compute."""
    use, supply = ledger.compute_use, ledger.compute_supply
    keys = [k for k, terms in use.items() if terms]

    def rule(_: object, s: str, y: int) -> object:
        return linear([*use[s, y], *((-a, x) for a, x in supply.get((s, y), []))]) <= 0

    m.c_site_compute = pyo.Constraint(keys, rule=rule)
    family_use, family_supply = ledger.family_use, ledger.family_supply
    m.c_family_compute = pyo.Constraint(
        [k for k, terms in family_use.items() if terms],
        rule=lambda _, s, y, f: linear([*family_use[s, y, f], *((-a, x) for a, x in family_supply.get((s, y, f), []))]) <= 0,
    )


def extract_unserved(e: Extraction) -> None:
    """``unserved``: compute not delivered per workload, id and year (rows with some)."""
    rows = [(w, key, y, e.ledger_value(terms)) for (w, key, y), terms in sorted(e.ledger.unserved.items())]
    frame = pd.DataFrame(rows, columns=["workload", "id", "year", "eflops"])
    e.tables["unserved"] = frame[frame["eflops"] > 1e-9].reset_index(drop=True)


FAMILY = Family(
    name="compute",
    add=add_compute,
    order=130,
    closes=True,
    rows=(
        Rows(
            "c_site_compute",
            "EFLOP/s",
            ("site_id", "year"),
            "site {site_id}",
            coefficients={"v_install": "chips.pflops_per_unit / 1000 (EFLOP/s per unit)"},
        ),
        Rows(
            "c_family_compute",
            "EFLOP/s",
            ("site_id", "year", "family"),
            "family {family} at site {site_id}",
            coefficients={"v_install": "chips.pflops_per_unit / 1000 (EFLOP/s per unit)"},
        ),
    ),
    tables={
        "unserved": {
            "workload": "'inference' (demand of a region) or 'training' (a run left unplaced)",
            "id": "the region (inference) or the run (training)",
            "year": "modelled year (rows with compute not delivered)",
            "eflops": "compute asked for and not delivered, bought elsewhere or forgone at the workload's value",
        }
    },
    extract=extract_unserved,
)
