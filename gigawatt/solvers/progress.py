"""An optional trace of a solve over time: the plans found and the lower bounds proven, for benchmarks and live progress.

A strategy solves many derived problems (relaxations, restricted models); only some of their numbers
speak about the user's problem ``P``. Each HiGHS call runs inside :func:`scope`, which says whether
its incumbents are plans of ``P`` and whether its dual bounds are lower bounds of ``P``; the trace
keeps only those. With no :func:`tracing` block active every call here is a no-op.

>>> with tracing() as trace:
...     plan = gw.solve(scn)
>>> trace.first_plan_s, trace.gap_at(30.0)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class Trace:
    """Events ``(seconds since start, objective of a plan of P or None, lower bound of P or None)``, solver units."""

    t0: float = field(default_factory=time.perf_counter)
    events: list[tuple[float, float | None, float | None]] = field(default_factory=list)
    #: ``(seconds since start, phase, "started" or "ended")`` of each solver call: where the time went.
    phases: list[tuple[float, str, str]] = field(default_factory=list)

    def record(self, objective: float | None = None, bound: float | None = None) -> None:
        if objective is None and bound is None:
            return
        self.events.append((time.perf_counter() - self.t0, objective, bound))

    def phase_started(self, name: str) -> None:
        """A solver call of phase ``name`` starts (a live display shows it)."""
        self.phases.append((time.perf_counter() - self.t0, name, "started"))

    def phase_ended(self, name: str) -> None:
        """The solver call of phase ``name`` ended."""
        self.phases.append((time.perf_counter() - self.t0, name, "ended"))

    def best_at(self, seconds: float) -> tuple[float | None, float | None]:
        """Best objective and best bound known ``seconds`` after the start."""
        objs = [o for t, o, _ in self.events if o is not None and t <= seconds]
        bounds = [b for t, _, b in self.events if b is not None and t <= seconds]
        return (min(objs) if objs else None), (max(bounds) if bounds else None)

    def gap_at(self, seconds: float) -> float | None:
        """Relative gap ``(objective - bound) / |objective|`` at ``seconds``; None before a plan and a bound exist."""
        objective, bound = self.best_at(seconds)
        if objective is None or bound is None:
            return None
        return max(objective - bound, 0.0) / max(abs(objective), 1e-9)

    @property
    def first_plan_s(self) -> float | None:
        """Seconds to the first plan of ``P``."""
        return next((t for t, o, _ in self.events if o is not None), None)


_trace: ContextVar[Trace | None] = ContextVar("gigawatt_trace", default=None)
_valid: ContextVar[tuple[bool, bool]] = ContextVar("gigawatt_trace_scope", default=(True, True))
_phase_default = "solve"
_phase: ContextVar[str] = ContextVar("gigawatt_trace_phase", default=_phase_default)


@contextlib.contextmanager
def tracing() -> Iterator[Trace]:
    """Record every solve inside the block into a new :class:`Trace`."""
    with following(Trace()) as trace:
        yield trace


@contextlib.contextmanager
def following(trace: Trace) -> Iterator[Trace]:
    """Record every solve inside the block into ``trace`` (e.g. a live display, :mod:`gigawatt.solvers.live`)."""
    token = _trace.set(trace)
    try:
        yield trace
    finally:
        _trace.reset(token)


@contextlib.contextmanager
def scope(plans: bool, bounds: bool, phase: str | None = None) -> Iterator[None]:
    """Solves in the block: their incumbents are plans of ``P`` (``plans``), their bounds bound ``P`` (``bounds``);
    ``phase`` names them for a live display (inside another named scope: ``outer / phase``).

    Scopes nest by "and": inside ``scope(bounds=False)`` (e.g. a restricted model) no inner scope makes bounds count.
    """
    outer_plans, outer_bounds = _valid.get()
    token = _valid.set((outer_plans and plans, outer_bounds and bounds))
    outer = _phase.get()
    named = None if phase is None else _phase.set(phase if outer == _phase_default else f"{outer} / {phase}")
    try:
        yield
    finally:
        _valid.reset(token)
        if named is not None:
            _phase.reset(named)


def phase() -> str:
    """The name of the phase the current solves belong to (``solve`` outside any named scope)."""
    return _phase.get()


def active() -> tuple[Trace | None, bool, bool]:
    """The current trace (None when not tracing) and whether plans and bounds count."""
    plans, bounds = _valid.get()
    return _trace.get(), plans, bounds


def record(objective: float | None = None, bound: float | None = None) -> None:
    """Record a plan of ``P`` and/or a lower bound of ``P`` (no-op when not tracing)."""
    trace = _trace.get()
    if trace is not None:
        trace.record(objective, bound)
