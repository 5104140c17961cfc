"""A function in a child process: its messages and result come back; past its deadline, or on a stop, it is killed."""

from __future__ import annotations

import time

import pytest
from builders import SCENARIOS

import gigawatt as gw
from gigawatt.matrix.compile import compile_model
from gigawatt.solvers import child, highs, stop
from gigawatt.solvers.base import SolveOptions, TerminationCondition


def test_messages_and_the_result_come_back() -> None:
    seen = []
    outcome = child.run("child_targets:count", (4,), limit_s=60.0, on_message=lambda kind, values: seen.append((kind, values)))
    assert outcome.finished and outcome.result == 6 and outcome.stopped is None and outcome.error is None
    assert seen == [("tick", (0,)), ("tick", (1,)), ("tick", (2,)), ("tick", (3,))]
    assert outcome.last == {"tick": (3,)}


def test_a_child_past_its_deadline_is_killed_and_what_it_sent_is_kept() -> None:
    t0 = time.perf_counter()
    outcome = child.run("child_targets:plan_then_hang", (), limit_s=1.0)
    assert outcome.stopped == "deadline" and not outcome.finished
    assert outcome.last == {"plan": (42.0,)}
    assert time.perf_counter() - t0 < 10.0  # not the 600 s it would run


def test_a_stop_request_kills_the_child() -> None:
    with stop.handling():
        stop.request()
        outcome = child.run("child_targets:plan_then_hang", (), limit_s=None)
    assert outcome.stopped == "stop"


def test_an_error_in_the_child_is_reported() -> None:
    outcome = child.run("child_targets:fail", (), limit_s=60.0)
    assert not outcome.finished and outcome.error == "ValueError: bad model"


def test_a_mip_in_a_child_process_gives_the_same_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """tiny's MIP solved in this process and in a child (every MIP isolated): the same optimum and plan."""
    form = compile_model(gw.build_model(gw.load_scenario(SCENARIOS / "tiny"))).form
    options = SolveOptions(time_limit=60.0, mip_gap=0.0, threads=1)
    here = highs.solve(form, options)
    monkeypatch.setattr(highs, "ISOLATED_NONZEROS", 0)
    there = highs.solve(form, options)
    assert here.termination is there.termination is TerminationCondition.OPTIMAL
    assert there.objective == pytest.approx(here.objective, rel=1e-9)
    assert there.bound == pytest.approx(here.bound, rel=1e-9) and there.x is not None
