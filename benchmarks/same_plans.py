"""Objectives of the default scenario (LP relaxation) and of the generator's families (LP and MIP), as JSON.

Compare two checkouts side by side: the same objectives, to 1e-9 relative, mean the same model::

    PYTHONPATH=. .venv/bin/python benchmarks/same_plans.py . > now.json
    PYTHONPATH=/path/to/other .venv/bin/python benchmarks/same_plans.py /path/to/other > before.json

Families at 12 sites x 4 chips x 5 years, seed 3; MIPs with ``mip_gap=1e-9``, 60 s, ``threads=1``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

root = Path(sys.argv[1]).resolve()
sys.path.insert(0, str(root))

import gigawatt as gw  # noqa: E402
from benchmarks.generator import FAMILIES, synthetic_scenario  # noqa: E402


def objectives() -> dict[str, object]:
    out: dict[str, object] = {"default/lp": gw.solve(gw.load_scenario(root / "scenarios" / "default"), relax=True, threads=1).objective}
    for family in FAMILIES:
        scenario = synthetic_scenario(sites=12, chips=4, years=5, seed=3, family=family)
        out[f"{family}/lp"] = gw.solve(scenario, relax=True, threads=1).objective
        plan = gw.solve(scenario, threads=1, mip_gap=1e-9, time_limit=60)
        out[f"{family}/mip"] = [plan.objective, plan.status]
    return out


if __name__ == "__main__":
    print(json.dumps(objectives(), indent=1))
