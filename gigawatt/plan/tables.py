"""The Plan's tables, described as data: one row per entity and year, units in column names.

Each family of the model declares the columns it fills (:attr:`gigawatt.model.family.Family.tables`);
:data:`PLAN_TABLES` is their merge, table -> column -> meaning. The verifier reads it as plain data,
handed to it by :meth:`gigawatt.Plan.verify`, and imports nothing from the model.
"""

from __future__ import annotations

from gigawatt.model.families import plan_tables

PLAN_TABLES: dict[str, dict[str, str]] = plan_tables()
#: Plan columns holding text that do not end in ``_id`` (the verifier, which imports nothing of the model, keeps its own list).
TEXT_COLUMNS = frozenset({"category", "kind", "workload", "id", "family", "sites"})
