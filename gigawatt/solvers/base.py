"""The solver contract: a standard form in, portable options, two status enums, and an immutable result out."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field

import numpy as np

from gigawatt.matrix.form import StandardForm


class TerminationCondition(enum.Enum):
    """Why the solver stopped."""

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    GAP_LIMIT = "gap_limit"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    INTERRUPTED = "interrupted"
    ERROR = "error"
    UNKNOWN = "unknown"


class SolutionStatus(enum.Enum):
    """What solution exists."""

    NONE = "none"
    FEASIBLE = "feasible"
    OPTIMAL = "optimal"


#: Why the solver stopped, in words (:func:`status_words`).
STOPPED = {
    "optimal": "optimal",
    "gap_limit": "within the gap asked for",
    "time_limit": "stopped at the time limit",
    "interrupted": "stopped by Ctrl-C",
}


def status_words(status: str, solution: str) -> str:
    """A plan's status in plain words: ``optimal``, or why it stopped and with what (``stopped at the time limit, best plan so
    far``)."""
    if status == "optimal" or status == "gap_limit":
        return STOPPED[status]
    plan = {"feasible": "best plan so far", "optimal": "optimal plan", "none": "no plan"}.get(solution, f"{solution} solution")
    return f"{STOPPED.get(status, status)}, {plan}"


@dataclass(frozen=True)
class SolveOptions:
    """Portable solver options; ``solver_options`` is passed to the backend last, unchanged.

    ``time_limit`` in seconds; ``mip_gap`` relative; ``mip_abs_gap`` in objective units (million USD).
    """

    time_limit: float | None = None
    mip_gap: float = 1e-3
    mip_abs_gap: float | None = None
    threads: int | None = None
    seed: int | None = None
    presolve: bool = True
    log_file: str | None = None
    tee: bool = False
    solver_options: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def resolve(
        cls,
        defaults: object,
        *,
        time_limit: float | None = None,
        mip_gap: float | None = None,
        threads: int | None = None,
        tee: bool = False,
        solver_options: dict[str, object] | None = None,
    ) -> SolveOptions:
        """Options from call-time values, falling back to a scenario's ``solver`` settings (``defaults``).

        The values are checked before they get here: call-time ones by :class:`gigawatt.solving.SolveRequest`,
        the scenario's by :class:`gigawatt.scenario.settings.SolverSettings`.
        """
        return cls(
            time_limit=time_limit if time_limit is not None else defaults.time_limit,  # type: ignore[attr-defined]
            mip_gap=mip_gap if mip_gap is not None else defaults.mip_gap,  # type: ignore[attr-defined]
            threads=threads if threads is not None else defaults.threads,  # type: ignore[attr-defined]
            tee=tee,
            solver_options=dict(solver_options or {}),
        )


@dataclass(frozen=True)
class SolveResult:
    """What a backend returns: statuses, objective and bound (solver units), primal x, row duals."""

    solver: str
    solver_version: str
    termination: TerminationCondition
    solution: SolutionStatus
    objective: float | None
    bound: float | None
    gap: float | None
    x: np.ndarray | None
    row_duals: np.ndarray | None
    seconds: float
    options: dict[str, object]
    log: str = ""

    @property
    def has_solution(self) -> bool:
        return self.solution is not SolutionStatus.NONE

    def _repr_html_(self) -> str:
        rows = {
            "solver": f"{self.solver} {self.solver_version}",
            "stopped": self.termination.value,
            "solution": self.solution.value,
            "objective": "-" if self.objective is None else f"{self.objective:,.6g}",
            "bound": "-" if self.bound is None else f"{self.bound:,.6g}",
            "gap": "-" if self.gap is None else f"{self.gap:.3%}",
            "seconds": f"{self.seconds:.2f}",
        }
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in rows.items())
        return f"<table>{body}</table>"

    def __repr__(self) -> str:
        obj = "-" if self.objective is None else f"{self.objective:.6g}"
        gap = "-" if self.gap is None else f"{self.gap:.3%}"
        return (
            f"SolveResult({self.solver} {self.solver_version}: {self.termination.value}, solution {self.solution.value}, "
            f"objective {obj}, gap {gap}, {self.seconds:.2f} s)"
        )


__all__ = ["SolutionStatus", "SolveOptions", "SolveResult", "StandardForm", "TerminationCondition"]
