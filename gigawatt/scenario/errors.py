"""The one exception a bad scenario raises, carrying every problem found."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from gigawatt.errors import GigawattError

#: Problems listed per file and column; the rest are counted in one more problem.
MAX_PROBLEMS_PER_COLUMN = 50


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
            kind = "column" if self.file.endswith(".csv") else "key"
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


class PlausibilityWarning(UserWarning):
    """A value that is valid but far from every public figure: likely a unit slip (W typed as kW)."""


class Capped:
    """Problems of one file and column: the first :data:`MAX_PROBLEMS_PER_COLUMN` kept, the rest counted."""

    def __init__(self, file: str, column: str | None):
        self.file, self.column = file, column
        self.listed: list[Problem] = []
        self.count = 0
        self.lines: list[int] = []  # first and last line of the problems not listed

    def add(self, message: str, line: int | None, value: object = None) -> None:
        self.keep(Problem(self.file, message, line=line, column=self.column, value=value))

    def keep(self, problem: Problem) -> None:
        if len(self.listed) < MAX_PROBLEMS_PER_COLUMN:
            self.listed.append(problem)
            return
        self.count += 1
        if problem.line is not None:
            self.lines = [self.lines[0] if self.lines else problem.line, problem.line]

    def problems(self) -> list[Problem]:
        if not self.count:
            return self.listed
        where = f" between lines {self.lines[0]} and {self.lines[1]}" if self.lines else ""
        more = "problem" if self.count == 1 else "problems"
        summary = f"{self.count:,} more {more} in this column{where}, not listed; fix the ones above first"
        return [*self.listed, Problem(self.file, summary, line=self.lines[0] if self.lines else None, column=self.column)]


def cap_problems(problems: list[Problem]) -> list[Problem]:
    """At most :data:`MAX_PROBLEMS_PER_COLUMN` problems per file and column, the rest counted in one more.

    A list already within the limit (one summary included) comes back unchanged, order and all.
    """
    sizes: dict[tuple[str, str | None], int] = {}
    for p in problems:
        if p.column is not None:
            sizes[p.file, p.column] = sizes.get((p.file, p.column), 0) + 1
    if all(n <= MAX_PROBLEMS_PER_COLUMN + 1 for n in sizes.values()):
        return problems
    groups: dict[tuple[str, str | None], Capped] = {}
    order: list[Problem | tuple[str, str | None]] = []
    for p in problems:
        if p.column is None:
            order.append(p)
            continue
        key = (p.file, p.column)
        if key not in groups:
            groups[key] = Capped(p.file, p.column)
            order.append(key)
        groups[key].keep(p)
    return [q for item in order for q in (groups[item].problems() if isinstance(item, tuple) else [item])]


class ScenarioError(GigawattError, ValueError):
    """A scenario that cannot be used; ``problems`` lists everything found, not just the first.

    At most :data:`MAX_PROBLEMS_PER_COLUMN` problems per file and column are listed; one more
    problem counts the rest (a column of a million bad cells is not a million lines).
    """

    def __init__(self, problems: list[Problem]):
        self.problems = cap_problems(list(problems))
        count = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in scenario:\n{lines}")

    def table(self) -> pd.DataFrame:
        """The problems as a DataFrame (file, line, column, value, message)."""
        cols = ["file", "line", "column", "value", "message"]
        return pd.DataFrame([asdict(p) for p in self.problems], columns=cols)
