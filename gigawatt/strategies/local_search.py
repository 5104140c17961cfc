r"""Local search over openings: close one entity, open one, or swap two, the rest re-optimised.

An *entity* is the first index of the ``opening`` columns the families declare: a campus, whose own opening
and interconnection tranches move together. It is open in a plan when any of its opening columns is. A move
changes the openings of one or two entities and keeps every other opening as the incumbent plan has it:

* **close** e: every opening column of e at 0;
* **open** e (closed in the plan): its opening columns free, the year left to the LP;
* **swap** (a, b): close a and open b.

**Screening.** The LP of ``P`` with every opening column fixed as the move has it (blocks and units
continuous) is a lower bound of every plan with those openings, so a move whose LP is not below the
incumbent's objective cannot improve it and is dropped without a MIP. The LPs are re-solved in one HiGHS
instance from the last basis (:class:`~gigawatt.solvers.highs.WarmLP`): a move changes a few column bounds,
and dual simplex restarts from where it was. Moves are tried in the order of their first-order estimate from
the incumbent's openings-fixed LP, whose reduced costs :math:`d_j` price each opening column:

.. math::

    \Delta_{close}(e) = -\sum_{j \in e,\ x_j = 1} d_j, \qquad
    \Delta_{open}(e) = \min_k \sum_{j \in e,\ j \ge k} d_j, \qquad
    \Delta_{swap}(a, b) = \Delta_{close}(a) + \Delta_{open}(b)

(opening columns are cumulative, so opening from the k-th column on sets it and every later one). The estimates
only order the moves; the LPs decide.

**Confirmation.** Of the moves screened, the one with the lowest LP is solved as a MIP with its openings fixed
(blocks and units whole; an opened entity opens where its LP opens at all), warm-started from nothing: its plan
is a plan of ``P``. When it is cheaper than the incumbent it becomes the incumbent (first improvement) and the
next round screens around it; otherwise the next-lowest LP is confirmed. The search ends when a round confirms
no improvement, the time is up, or a stop is requested.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from gigawatt.solvers import highs, stop
from gigawatt.solvers.base import SolveOptions, SolveResult, StandardForm
from gigawatt.strategies.columns import Columns

#: Opening columns above this in a solution count as open.
OPEN_TOL = 1e-6
#: The best of each kind of move screened in a round, by their estimate: closes, opens, and swaps among the
#: best ``SWAP_WIDTH`` closes and opens.
CLOSE_MOVES = 12
OPEN_MOVES = 12
SWAP_WIDTH = 4
#: Moves confirmed by a MIP per round (lowest LP first) before the round gives up.
CONFIRM_MOVES = 3
#: Relative gap of each confirmation MIP, and its cap in seconds.
CONFIRM_GAP = 1e-4
CONFIRM_MAX_S = 30.0


@dataclass(frozen=True)
class Move:
    """Entities to close and to open; ``estimate`` the first-order change of the LP (solver units)."""

    close: tuple[str, ...]
    open: tuple[str, ...]
    estimate: float

    def __str__(self) -> str:
        parts = [f"close {e}" for e in self.close] + [f"open {e}" for e in self.open]
        return ", ".join(parts)


@dataclass
class SearchReport:
    """What the search did: its seconds, rounds, LPs screened, MIPs confirmed and the moves taken."""

    seconds: float = 0.0
    rounds: int = 0
    screened: int = 0
    confirmed: int = 0
    taken: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def entity_columns(groups: Columns) -> dict[str, np.ndarray]:
    """The opening columns of each entity, in column order."""
    found: dict[str, list[int]] = defaultdict(list)
    for entity, col in zip(groups.open_entity, groups.opens, strict=True):
        found[entity].append(int(col))
    return {entity: np.array(sorted(cols), dtype=np.int64) for entity, cols in found.items()}


def moves(columns: dict[str, np.ndarray], openings: np.ndarray, reduced: np.ndarray, form: StandardForm) -> list[Move]:
    """The moves of a round, best estimate first (see the module docstring); ``openings`` and ``reduced`` are full
    column vectors: the incumbent's opening values and the reduced costs of its openings-fixed LP."""
    closes, opens = [], []
    for entity, cols in columns.items():
        if form.col_upper[cols].max() <= 0:
            continue  # closed by its bounds (a shortlist): nothing to move
        is_open = openings[cols] > OPEN_TOL
        if is_open.any():
            if form.col_lower[cols].max() <= 0:  # not forced open
                closes.append(Move((entity,), (), -float(reduced[cols[is_open]].sum())))
        else:
            suffix = np.cumsum(reduced[cols][::-1])[::-1]
            opens.append(Move((), (entity,), float(suffix.min())))
    closes.sort(key=lambda m: m.estimate)
    opens.sort(key=lambda m: m.estimate)
    swaps = [Move(a.close, b.open, a.estimate + b.estimate) for a in closes[:SWAP_WIDTH] for b in opens[:SWAP_WIDTH]]
    return sorted(closes[:CLOSE_MOVES] + opens[:OPEN_MOVES] + swaps, key=lambda m: m.estimate)


def local_search(
    form: StandardForm, groups: Columns, plan: SolveResult, options: SolveOptions, budget: float
) -> tuple[SolveResult, SearchReport]:
    """The best plan of ``form`` found by moves from ``plan`` (a plan of ``form``) in ``budget`` seconds, and
    what the search did; ``plan`` itself when no move improves it."""
    t_start = time.perf_counter()
    report = SearchReport()
    columns = entity_columns(groups)
    if not columns or plan.x is None or plan.objective is None:
        return plan, report

    def left() -> float:
        return budget - (time.perf_counter() - t_start)

    opens = groups.opens
    lp = highs.WarmLP(form, options)
    best = plan
    improved = True
    while improved and left() > 0 and not stop.requested():
        improved = False
        report.rounds += 1
        assert best.x is not None and best.objective is not None
        fixed = _opened(best.x[opens])
        lp.set_bounds(opens, fixed, fixed)
        here = lp.solve(left())
        if here is None:
            break
        screened: list[tuple[float, Move, np.ndarray]] = []
        for move in moves(columns, best.x, here.reduced, form):
            if left() <= 0 or stop.requested():
                break
            cols, lower, upper = _bounds(move, columns, form)
            lp.set_bounds(cols, lower, upper)
            tried = lp.solve(left())
            lp.set_bounds(cols, _opened(best.x[cols]), _opened(best.x[cols]))  # back to the incumbent's openings
            report.screened += 1
            if tried is not None and tried.objective < best.objective - _tolerance(best.objective):
                screened.append((tried.objective, move, tried.x[opens]))
        screened.sort(key=lambda item: item[0])
        for _, move, lp_openings in screened[:CONFIRM_MOVES]:
            if left() <= 1.0 or stop.requested():
                break
            result = _confirm(form, groups, lp_openings, options, min(left(), CONFIRM_MAX_S))
            report.confirmed += 1
            if result.has_solution and result.objective is not None and result.objective < best.objective - _tolerance(best.objective):
                best = result
                report.taken.append(str(move))
                improved = True
                break
    report.seconds = time.perf_counter() - t_start
    return best, report


def _opened(values: np.ndarray) -> np.ndarray:
    """Opening values as fixed bounds: 1 where open at all (above :data:`OPEN_TOL`), else 0."""
    return np.where(values > OPEN_TOL, 1.0, 0.0)


def _tolerance(objective: float) -> float:
    """An improvement smaller than this is noise (solver units)."""
    return 1e-7 * max(1.0, abs(objective))


def _bounds(move: Move, columns: dict[str, np.ndarray], form: StandardForm) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns the move changes and their bounds under it: closed entities at 0, opened ones free."""
    shut = [columns[e] for e in move.close]
    free = [columns[e] for e in move.open]
    cols = np.concatenate(shut + free)
    lower = np.concatenate([np.zeros(len(c)) for c in shut] + [form.col_lower[c] for c in free])
    upper = np.concatenate([np.zeros(len(c)) for c in shut] + [form.col_upper[c] for c in free])
    return cols, lower, upper


def _confirm(form: StandardForm, groups: Columns, lp_openings: np.ndarray, options: SolveOptions, budget: float) -> SolveResult:
    """The MIP of ``form`` with every opening fixed where the move's LP opens it at all (blocks and units whole)."""
    fixed = _opened(lp_openings)
    lower, upper = form.col_lower.copy(), form.col_upper.copy()
    lower[groups.opens] = upper[groups.opens] = fixed
    restricted = replace(form, col_lower=lower, col_upper=upper)
    return highs.solve(restricted, replace(options, time_limit=max(budget, 0.5), mip_gap=CONFIRM_GAP))
