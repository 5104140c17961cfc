"""The stop request: Ctrl-C inside ``stop.handling()`` asks for a stop instead of raising, and HiGHS honours it."""

from __future__ import annotations

import os
import signal

import pytest
from builders import SCENARIOS

import gigawatt as gw
from gigawatt.matrix.compile import compile_model
from gigawatt.solvers import highs, stop
from gigawatt.solvers.base import SolveOptions, TerminationCondition


def test_ctrl_c_requests_a_stop_then_a_second_one_aborts() -> None:
    """The first SIGINT sets the request; the second raises KeyboardInterrupt; the handler and the flag go with the block."""
    before = signal.getsignal(signal.SIGINT)
    with stop.handling():
        assert signal.getsignal(signal.SIGINT) is not before
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.requested()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before
    assert not stop.requested()


def test_inner_blocks_keep_the_request_for_the_outer_one() -> None:
    with stop.handling():
        with stop.handling():
            stop.request()
        assert stop.requested()  # the study around the solve still sees it
    assert not stop.requested()


def test_a_solve_asked_to_stop_before_it_starts_returns_at_once_without_a_plan() -> None:
    compiled = compile_model(gw.build_model(gw.load_scenario(SCENARIOS / "tiny")))
    with stop.handling():
        stop.request()
        result = highs.solve(compiled.solver_form, SolveOptions())
    assert result.termination is TerminationCondition.INTERRUPTED
    assert not result.has_solution and result.x is None and result.seconds == 0.0
