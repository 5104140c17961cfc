"""The solve trace keeps plans and lower bounds of the problem itself, over time."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import gigawatt as gw
from gigawatt.solvers import progress

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from benchmarks.generator import synthetic_scenario  # noqa: E402


@pytest.mark.parametrize("strategy", ["single", "phased"])
def test_trace_bounds_never_exceed_the_plans_it_records(strategy):
    scn = synthetic_scenario(sites=8, chips=2, years=3, regions=2, seed=0)
    with progress.tracing() as trace:
        plan = gw.solve(scn, strategy=strategy, duals=False, mip_gap=1e-6, time_limit=60)
    assert plan.verify() == []
    assert trace.first_plan_s is not None and trace.first_plan_s > 0
    objective, bound = trace.best_at(float("inf"))
    assert objective == pytest.approx(plan.objective / 1e6, rel=1e-9)  # trace in solver units (million USD)
    assert bound is not None and bound <= objective * (1 + 1e-9)
    assert all(b <= objective * (1 + 1e-6) for _, _, b in trace.events if b is not None)
    assert trace.gap_at(float("inf")) == pytest.approx(plan.gap, abs=1e-6)
    assert trace.gap_at(0.0) is None
    # each solver call's phase starts and ends, in time order; the phased strategy begins with its LP
    assert [what for _, _, what in trace.phases] == ["started", "ended"] * (len(trace.phases) // 2)
    assert [t for t, _, _ in trace.phases] == sorted(t for t, _, _ in trace.phases)
    assert trace.phases[0][1] == ("LP relaxation" if strategy == "phased" else "solve")


def test_scope_filters_and_no_trace_outside_a_block():
    with progress.tracing() as trace:
        with progress.scope(plans=False, bounds=True):
            assert progress.active()[1:] == (False, True)
            with progress.scope(plans=True, bounds=True):  # nested scopes cannot widen what counts
                assert progress.active()[1:] == (False, True)
        progress.record(10.0, 8.0)
        progress.record(9.0, None)
    progress.record(1.0, 0.5)  # not tracing: ignored
    assert [(o, b) for _, o, b in trace.events] == [(10.0, 8.0), (9.0, None)]
    assert trace.best_at(1e9) == (9.0, 8.0)
    assert trace.gap_at(1e9) == pytest.approx(1 / 9)
    assert progress.active() == (None, True, True)
