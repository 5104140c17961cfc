"""The one exception a bad scenario raises, carrying every problem found."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario.

    ``line`` counts lines as an editor does (the CSV header is line 1); ``None`` where the problem
    is not tied to one row.
    """

    file: str
    message: str
    line: int | None = None
    column: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column '{self.column}'"
        value = "" if self.value is None else f": {self.value!r}"
        return f"{where}{value}: {self.message}"


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` lists everything found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in scenario:\n{lines}")

    def table(self) -> pd.DataFrame:
        """The problems as a DataFrame (file, line, column, value, message)."""
        cols = ["file", "line", "column", "value", "message"]
        return pd.DataFrame([asdict(p) for p in self.problems], columns=cols)
