"""Live progress of a solve: one line per phase with its time, and the best plan, bound and gap of the user's problem.

:class:`LiveTrace` is a :class:`~gigawatt.solvers.progress.Trace` that draws itself with rich (a terminal line
that updates in place, or a cell output in Jupyter; a file or pipe gets the final lines once). Plans and
bounds are those of the problem ``P`` the user asked for: a phase solving a relaxation or a restricted model
shows its time, and moves the figures only where :func:`~gigawatt.solvers.progress.scope` says its numbers
speak about ``P``. Objectives arrive in the solver's unit, million USD, and are shown in billions.

>>> with live():
...     plan = gw.solve(scn)   # or gw.solve(scn, progress=True)
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from gigawatt.solvers import progress

#: Redraws per second of the live line.
REFRESH_PER_S = 4


class LiveTrace(progress.Trace):
    """A trace that shows itself: finished phases as fixed lines, the running one updated in place."""

    def __init__(self, outer: progress.Trace | None = None) -> None:
        super().__init__()
        self.outer = outer  # a trace already active (a benchmark's): every event is passed on to it
        self.finished: list[Text] = []
        self.running: tuple[str, float] | None = None
        self.lock = threading.Lock()

    def record(self, objective: float | None = None, bound: float | None = None) -> None:
        with self.lock:
            super().record(objective, bound)
        if self.outer is not None:
            self.outer.record(objective, bound)

    def phase_started(self, name: str) -> None:
        with self.lock:
            self.running = (name, time.perf_counter())
        if self.outer is not None:
            self.outer.phase_started(name)

    def phase_ended(self, name: str) -> None:
        with self.lock:
            if self.running is not None:
                self.finished.append(self.line(*self.running))
            self.running = None
        if self.outer is not None:
            self.outer.phase_ended(name)

    def line(self, name: str, since: float) -> Text:
        """``phase  seconds  plan  bound  gap`` as of now (the figures of ``P`` so far)."""
        objective, bound = self.best_at(float("inf"))
        parts = [f"  {name:<16}{time.perf_counter() - since:7.1f} s"]
        if objective is not None:
            parts.append(f"plan {objective / 1e3:,.3f}")
        if bound is not None:
            parts.append(f"bound {bound / 1e3:,.3f}")
        gap = self.gap_at(float("inf"))
        if gap is not None and objective is not None and bound is not None:
            parts.append(f"gap {max(objective - bound, 0.0) / 1e3:,.3f} ({gap:.2%})")
        unit = " B USD" if objective is not None or bound is not None else ""
        return Text("  ".join(parts) + unit, no_wrap=True, overflow="ellipsis")

    def __rich__(self) -> Group:
        with self.lock:
            lines = list(self.finished)
            if self.running is not None:
                lines.append(self.line(*self.running))
        return Group(*lines)


@contextlib.contextmanager
def live(console: Console | None = None) -> Iterator[LiveTrace]:
    """Show the progress of every solve inside the block (on stderr unless ``console`` says otherwise)."""
    trace = LiveTrace(outer=progress.active()[0])
    shown = console or Console(stderr=True)
    try:
        with Live(trace, console=shown, refresh_per_second=REFRESH_PER_S, transient=False), progress.following(trace):
            yield trace
    finally:
        if not shown.is_terminal and not shown.is_jupyter and trace.finished:
            shown.line()  # a file or pipe: rich ends the last line only on a terminal
