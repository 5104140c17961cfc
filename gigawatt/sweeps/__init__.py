"""Batches of scenario runs on Dask, kept in a DuckDB results store.

>>> runs = gw.sweep(scn, grid={"ceiling_mw": [3000, 4000, 5000]}, store="runs.duckdb")
>>> gw.load_runs("runs.duckdb", table="power")
"""

from gigawatt.sweeps.record import record_alternatives, record_front, record_plans
from gigawatt.sweeps.runner import sweep
from gigawatt.sweeps.spec import RunSpec, SweepSpec, load_spec
from gigawatt.sweeps.store import RunStore, load_runs

__all__ = ["RunSpec", "RunStore", "SweepSpec", "load_runs", "load_spec", "record_alternatives", "record_front", "record_plans", "sweep"]
