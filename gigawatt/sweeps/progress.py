"""Sweep progress (runs done, running, failed, time left): a rich bar in a terminal, a line that updates itself in
Jupyter, or nothing."""

from __future__ import annotations

import sys
import time
from typing import Protocol

#: Outcomes that count as answers; every other status counts as failed.
ANSWERED = ("optimal", "feasible", "infeasible")


class Progress(Protocol):
    def start(self, total: int, skipped: int, slots: int = 1) -> None: ...
    def update(self, status: str) -> None: ...
    def close(self) -> None: ...


class Silent:
    def start(self, total: int, skipped: int, slots: int = 1) -> None:
        pass

    def update(self, status: str) -> None:
        pass

    def close(self) -> None:
        pass


class Counts:
    """Runs done, running and failed, and an ETA from the mean pace so far (seconds). ``slots`` is how many runs can
    be under way at once (worker threads): the runs not done, up to that many, are running."""

    def __init__(self) -> None:
        self.total = self.done = self.failed = self.skipped = 0
        self.slots = 1
        self.started = time.perf_counter()

    def add(self, status: str) -> None:
        self.done += 1
        self.failed += status not in ANSWERED

    @property
    def running(self) -> int:
        return min(self.slots, self.total - self.done)

    def eta(self) -> float | None:
        if not self.done:
            return None
        elapsed = time.perf_counter() - self.started
        return elapsed / self.done * (self.total - self.done)

    def line(self) -> str:
        eta = self.eta()
        left = f", about {eta:,.0f} s left" if eta is not None and self.done < self.total else ""
        skipped = f" ({self.skipped} already in the store)" if self.skipped else ""
        return f"{self.done}/{self.total} runs done, {self.running} running, {self.failed} failed{left}{skipped}"


class RichBar(Counts):
    """A rich progress bar: runs done of total, failures, elapsed and ETA."""

    def start(self, total: int, skipped: int, slots: int = 1) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.total, self.skipped, self.slots = total, skipped, slots
        self.bar = Progress(
            TextColumn("sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[running]} running"),
            TextColumn("[red]{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            transient=False,
        )
        self.task = self.bar.add_task("sweep", total=total, failed=0, running=self.running)
        self.bar.start()

    def update(self, status: str) -> None:
        self.add(status)
        self.bar.update(self.task, advance=1, failed=self.failed, running=self.running)

    def close(self) -> None:
        self.bar.stop()


class NotebookLine(Counts):
    """One HTML line in a Jupyter output cell, updated in place."""

    def start(self, total: int, skipped: int, slots: int = 1) -> None:
        from IPython.display import display

        self.total, self.skipped, self.slots = total, skipped, slots
        self.handle = display(self._html(), display_id=True)

    def _html(self) -> object:
        from IPython.display import HTML

        share = 100 * self.done / self.total if self.total else 100
        bar = f"<progress value='{share:.0f}' max='100' style='width:12em'></progress>"
        return HTML(f"{bar} <code>{self.line()}</code>")

    def update(self, status: str) -> None:
        self.add(status)
        self.handle.update(self._html())

    def close(self) -> None:
        self.handle.update(self._html())


def in_notebook() -> bool:
    """True inside a Jupyter kernel (not plain IPython in a terminal)."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return type(shell).__name__ == "ZMQInteractiveShell"


def make_progress(enabled: bool) -> Progress:
    if not enabled:
        return Silent()
    return NotebookLine() if in_notebook() else RichBar()
