"""The one exception a bad scenario raises, carrying every problem found."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
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
            kind = "key" if self.file.endswith((".yaml", ".yml")) or self.file == "overrides" else "column"
            where += f", {kind} '{self.column}'"
        value = "" if self.value is None else f": {show(self.value)}"
        return f"{where}{value}: {self.message}"


def show(value: object) -> str:
    """A value as a message shows it: numbers plain (``0.9``), text quoted (``'liquidd'``), keys joined."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, tuple):
        return ", ".join(show(v) for v in value)
    if isinstance(value, bool) or value is None:
        return str(value).lower() if isinstance(value, bool) else "empty"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, str):
        if value and value == value.strip() and len(value) <= 80:
            try:
                float(value)
            except ValueError:
                return repr(value)
            return value
        return repr(value if len(value) <= 80 else value[:77] + "...")
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


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
