"""Progress: counts, runs under way, failures and ETA; a rich bar in terminals, an updating line in Jupyter."""

from __future__ import annotations

import pytest

from gigawatt.sweeps import progress


def test_counts_failures_and_eta(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([100.0, 110.0, 110.0])
    monkeypatch.setattr(progress.time, "perf_counter", lambda: next(clock))
    counts = progress.Counts()
    counts.total, counts.skipped, counts.slots = 5, 3, 2
    assert counts.running == 2  # two worker threads, five runs to go
    for status in ("optimal", "invalid", "optimal", "optimal"):
        counts.add(status)
    assert (counts.done, counts.failed, counts.running) == (4, 1, 1)
    assert counts.eta() == pytest.approx(2.5)  # 10 s for 4 runs, 1 to go
    assert counts.line() == "4/5 runs done, 1 running, 1 failed, about 2 s left (3 already in the store)"


def test_choice_of_display(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(progress.make_progress(False), progress.Silent)
    assert isinstance(progress.make_progress(True), progress.RichBar)  # pytest is no notebook
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    assert isinstance(progress.make_progress(True), progress.NotebookLine)


def test_notebook_line_updates_one_output(monkeypatch: pytest.MonkeyPatch) -> None:
    display = pytest.importorskip("IPython.display")
    shown: list[str] = []

    class Handle:
        def update(self, obj: object) -> None:
            shown.append(obj.data)  # type: ignore[attr-defined]

    monkeypatch.setattr(display, "display", lambda obj, display_id: shown.append(obj.data) or Handle())
    line = progress.NotebookLine()
    line.start(2, 0, slots=2)
    line.update("optimal")
    line.update("lost")
    line.close()
    assert "0/2 runs done, 2 running" in shown[0] and "2/2 runs done, 0 running, 1 failed" in shown[-1] and "<progress" in shown[-1]
