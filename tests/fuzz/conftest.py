"""Print how many hostile-input cases of each kind ran, and how they ended."""

from __future__ import annotations

import pytest

from fuzz.mutations import COUNTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not COUNTS:
        return
    verdicts = ("refused", "loaded", "cli", "subprocess")
    totals = {v: sum(n for (_, w), n in COUNTS.items() if w == v) for v in verdicts}
    terminalreporter.section("hostile-input cases")
    terminalreporter.write_line(f"{sum(COUNTS.values())} in all: " + ", ".join(f"{n} {v}" for v, n in totals.items()))
    for kind in sorted({k for k, _ in COUNTS}):
        terminalreporter.write_line(f"  {kind:<26} " + ", ".join(f"{COUNTS[kind, v]} {v}" for v in verdicts if COUNTS[kind, v]))
