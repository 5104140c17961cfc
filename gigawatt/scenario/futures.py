"""Futures: the table of what may happen, each with its probability and the overrides that say how it differs.

``futures.csv`` (passed as ``--futures FILE``, or read with :func:`load_futures`):

=================  ========================================================================================
``future_id``      a name, unique (``rubin_late``)
``probability``    in (0, 1]; the column sums to 1 (within 1e-6)
``overrides``      ``KEY=VALUE`` items separated by ``;``, with the keys ``--set`` and sweeps take
                   (:mod:`gigawatt.scenario.overrides`): ``chips[rubin_nvl144].first_year+=1``,
                   ``chips[rubin_nvl144].pflops_per_unit*=0.5``, ``interconnection.earliest_year+=2``,
                   ``demand.eflops*=1.2``; empty for the future the scenario describes as it stands
``description``    optional text (shown in the two-stage report)
``source``         optional text: where the future and its probability come from
=================  ========================================================================================

Every row is applied to the scenario while the table is read, so a key that names no column or row is
reported against ``futures.csv`` with its line before anything is built.

The *expected-value future* (:meth:`Futures.expected_overrides`) replaces each key by its mean over the
futures: a future without the key counts as 0 for ``+``, as 1 for ``*``; a ``+`` on whole numbers (years)
rounds to the nearest whole number, halves up. A key without an operator takes the probability-weighted mean
when every future sets it to a number, else the value of the most probable future that sets it, or is left
out when the futures that leave it out weigh more.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gigawatt.errors import OptionError
from gigawatt.scenario.errors import Problem, ScenarioError
from gigawatt.scenario.files import read_csv
from gigawatt.scenario.overrides import OverrideKey, split_override
from gigawatt.scenario.scenario import Scenario, parse_value

REQUIRED = ("future_id", "probability", "overrides")
OPTIONAL = ("description", "source")
#: How far the probabilities may sum from 1.
PROBABILITY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Future:
    """One future: its id, probability, overrides (key -> value, as ``--set`` takes them) and description."""

    future_id: str
    probability: float
    overrides: Mapping[str, object] = field(default_factory=dict)
    description: str = ""

    def scenario(self, base: Scenario) -> Scenario:
        """``base`` as it is in this future."""
        return base.with_overrides(dict(self.overrides)) if self.overrides else base


@dataclass(frozen=True)
class Futures:
    """Futures whose probabilities sum to 1, in the table's order."""

    items: tuple[Future, ...]

    def __post_init__(self) -> None:
        ids = [f.future_id for f in self.items]
        if not ids:
            raise OptionError("futures", "futures: expected at least one future")
        if len(set(ids)) != len(ids):
            raise OptionError("futures", f"futures: ids given twice: {sorted({i for i in ids if ids.count(i) > 1})}")
        bad = [f.future_id for f in self.items if not (0 < f.probability <= 1)]
        if bad:
            raise OptionError("futures", f"futures {bad}: expected a probability in (0, 1]")
        total = math.fsum(f.probability for f in self.items)
        if abs(total - 1) > PROBABILITY_TOLERANCE:
            raise OptionError("futures", f"futures: probabilities sum to {total:.6g}; expected 1")

    def __iter__(self) -> Iterator[Future]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def ids(self) -> list[str]:
        return [f.future_id for f in self.items]

    @classmethod
    def of(cls, futures: Futures | Mapping[str, tuple[float, Mapping[str, object]]]) -> Futures:
        """``futures`` as given, or from ``{id: (probability, overrides)}``."""
        if isinstance(futures, Futures):
            return futures
        return cls(tuple(Future(str(k), float(p), dict(o)) for k, (p, o) in futures.items()))

    def expected_overrides(self) -> dict[str, object]:
        """The overrides of the expected-value future (the module docstring says how each key is averaged)."""
        keys = dict.fromkeys(k for f in self.items for k in f.overrides)
        out: dict[str, object] = {}
        for key in keys:
            op = OverrideKey.parse(key).op
            given = [(f.probability, parse_value(f.overrides[key])) for f in self.items if key in f.overrides]
            numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for _, v in given)
            if op is not None and numeric:
                rest = sum(f.probability for f in self.items if key not in f.overrides)
                mean = math.fsum(p * v for p, v in given) + rest * (1.0 if op == "*" else 0.0)  # type: ignore[operator]
                whole = op == "+" and all(isinstance(v, int) for _, v in given)
                out[key] = math.floor(mean + 0.5) if whole else mean
            elif numeric and len(given) == len(self.items):
                out[key] = math.fsum(p * v for p, v in given)  # type: ignore[operator]
            elif sum(p for p, _ in given) > 0.5:
                out[key] = max(given, key=lambda pv: pv[0])[1]
        return {k: v for k, v in out.items() if not (OverrideKey.parse(k).op == "+" and abs(v) < 1e-12)}  # type: ignore[arg-type]


def load_futures(path: str | Path, scenario: Scenario) -> Futures:
    """Read and check ``futures.csv`` against ``scenario``: raise :class:`ScenarioError` listing every problem, each with
    the file, its line and column."""
    path = Path(path)
    label = path.name
    frame = read_csv(path, label)
    lines = frame.attrs["lines"]
    problems = [
        Problem(label, f"missing column; expected {', '.join(REQUIRED)} (and optionally {', '.join(OPTIONAL)})", line=1, column=c)
        for c in REQUIRED
        if c not in frame.columns
    ]
    problems += [
        Problem(label, f"unknown column; expected {', '.join((*REQUIRED, *OPTIONAL))}", line=1, column=c)
        for c in frame.columns
        if c not in (*REQUIRED, *OPTIONAL)
    ]
    if problems:
        raise ScenarioError(problems)
    if frame.empty:
        raise ScenarioError([Problem(label, "no futures; expected one row per future")])
    items: list[Future] = []
    seen: dict[str, int] = {}
    for line, row in zip(lines, frame.to_dict("records"), strict=True):
        found, future = _row(row, line, label, scenario)
        problems += found
        fid = row["future_id"]
        if fid and fid in seen:
            problems.append(Problem(label, f"future given twice (first on line {seen[fid]})", line=line, column="future_id", value=fid))
        seen.setdefault(fid, line)
        if future is not None:
            items.append(future)
    if not problems:
        total = math.fsum(f.probability for f in items)
        if abs(total - 1) > PROBABILITY_TOLERANCE:
            problems.append(Problem(label, f"probabilities sum to {total:.6g}; expected 1", column="probability"))
    if problems:
        raise ScenarioError(problems)
    return Futures(tuple(items))


def _row(row: Mapping[str, str], line: int, label: str, scenario: Scenario) -> tuple[list[Problem], Future | None]:
    """One row's problems, and its future when it has none."""
    problems: list[Problem] = []
    fid = row["future_id"]
    if not fid:
        problems.append(Problem(label, "empty; expected a name for the future", line=line, column="future_id"))
    try:
        probability = float(row["probability"])
    except ValueError:
        probability = math.nan
    if not (0 < probability <= 1):
        problems.append(Problem(label, "expected a probability in (0, 1]", line=line, column="probability", value=row["probability"]))
    overrides: dict[str, object] = {}
    unparsed = len(problems)
    for item in (part.strip() for part in row["overrides"].split(";")):
        if not item:
            continue
        try:
            key, value = split_override(item)
        except OptionError:
            problems.append(Problem(label, "expected KEY=VALUE items separated by ';'", line=line, column="overrides", value=item))
            continue
        overrides[key] = value
    if overrides and len(problems) == unparsed:
        try:
            scenario.with_overrides(overrides)
        except ScenarioError as err:
            for p in err.problems:
                problems.append(Problem(label, f"{p.column}: {p.message}" if p.column else p.message, line=line, column="overrides"))
    if problems:
        return problems, None
    return [], Future(fid, probability, overrides, row.get("description", ""))
