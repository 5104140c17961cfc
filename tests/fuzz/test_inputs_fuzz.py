"""Hostile overrides and sweep definitions: each is applied or refused with a ScenarioError, never a raw
pandas, numpy, pydantic, KeyError or TypeError, and never by running out of time or memory.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gigawatt as gw
from fuzz.mutations import ROOT
from gigawatt.scenario import ScenarioError, Settings
from gigawatt.scenario.errors import PlausibilityWarning
from gigawatt.scenario.schema import TABLES
from gigawatt.sweeps.spec import check_run_inputs, spec_from_mapping

EXAMPLES = 60

_names = st.sampled_from([*Settings.model_fields, "solver.time_limit", "solver.nme", *TABLES, "extends", "tables.sites", ""])
_columns = st.sampled_from(sorted({c.name for t in TABLES.values() for c in t.columns} | {"nope"}))
_selects = st.one_of(st.just(""), st.text(max_size=8).map(lambda t: f"[{t}]"), st.builds("[{}={}]".format, _columns, st.text(max_size=6)))
_keys = st.one_of(
    st.builds("{}{}".format, _names, st.sampled_from(["", "*", "+", ".x", "..", "["])),
    st.builds("{}{}.{}{}".format, st.sampled_from([*TABLES, "chipz"]), _selects, _columns, st.sampled_from(["", "*", "+"])),
    st.text(max_size=20),
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["yes", "on", "1e400", "-0", "5e-324", "[1, 2]", "{a: 1}", "2026"]),
)
_values = st.one_of(_scalars, st.lists(_scalars, max_size=5), st.dictionaries(st.text(max_size=3), _scalars, max_size=2))


@pytest.fixture(scope="module")
def tiny() -> gw.Scenario:
    return gw.load_scenario(ROOT / "scenarios" / "tiny")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(overrides=st.dictionaries(_keys, _values, min_size=1, max_size=3))
def test_random_overrides_apply_or_raise_scenario_error(tiny: gw.Scenario, overrides: dict[str, object]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PlausibilityWarning)
        try:
            tiny.with_overrides(overrides)
        except ScenarioError as err:
            assert err.problems and all(p.file and p.message for p in err.problems)


_spec_values = st.recursive(
    _scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=12
)
_spec_keys = st.sampled_from(["name", "grid", "variants", "sensitivity", "samples", "solve", "colour"])
_samples = st.fixed_dictionaries(
    {"n": _scalars, "ranges": st.dictionaries(st.sampled_from(["ceiling_mw", "x*"]), st.lists(_scalars, max_size=3), max_size=2)},
    optional={"seed": _scalars},
)
_grid = st.dictionaries(st.text(max_size=8), st.one_of(st.lists(_scalars, max_size=4), _scalars), max_size=3)
_specs = st.one_of(
    st.dictionaries(_spec_keys, _spec_values, max_size=4),
    st.fixed_dictionaries(
        {},
        optional={
            "grid": _grid,
            "samples": _samples,
            "solve": st.dictionaries(
                st.sampled_from(["time_limit", "mip_gap", "threads", "solver", "strategy", "presolve", "relax", "time_limt"]),
                _scalars,
                max_size=3,
            ),
        },
    ),
    _spec_values,
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=_specs, workers=_scalars)
def test_random_sweep_specs_and_workers_validate_or_raise_scenario_error(spec: object, workers: object) -> None:
    try:
        parsed = spec_from_mapping(spec)
        check_run_inputs(parsed.solve, workers)
        assert parsed.run_count() == len(parsed.runs())
    except ScenarioError as err:
        assert err.problems and all(p.file and p.message for p in err.problems)
