"""Hostile input at every other entry point (:mod:`fuzz.entries`), driven by hypothesis.

Saved plans, results stores, sweep files, ``--grid`` items, ``solve()`` keywords and ``--set``
overrides: each case works or raises a gigawatt error naming the file or argument, never another
exception; a sample of the refused ones goes through the command line (exit 2, named, no traceback).
``python tests/fuzz/run.py --kinds plan_folder,results_store --cases 2000`` runs many more.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fuzz.entries import ENTRIES, command_failure
from fuzz.mutations import COUNTS, HypothesisDraw

EXAMPLES_PER_KIND = 12
CLI_EXAMPLES = 30


@pytest.mark.parametrize("kind", list(ENTRIES))
@settings(max_examples=EXAMPLES_PER_KIND, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_each_entry_point_works_or_raises_a_gigawatt_error_naming_the_input(kind: str, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory(prefix="gw-fuzz-") as tmp:
        case = ENTRIES[kind](HypothesisDraw(data), Path(tmp))
    COUNTS[kind, "refused" if case.error is not None else "loaded"] += 1
    assert case.failure is None, case.failure


@settings(max_examples=CLI_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(kind=st.sampled_from(list(ENTRIES)), data=st.data())
def test_a_refused_input_exits_2_on_the_command_line_naming_it(kind: str, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory(prefix="gw-fuzz-") as tmp:
        case = ENTRIES[kind](HypothesisDraw(data), Path(tmp))
        assume(case.failure is None and case.command is not None)
        COUNTS[kind, "cli"] += 1
        failure = command_failure(case)
    assert failure is None, failure
