"""Exceptions: a solve with no plan to return, bad arguments, and saved files or output paths gigawatt refuses.

Every error gigawatt raises on purpose derives from :class:`GigawattError`: a caller (or the command
line) catches that one class to tell bad input and plans not found from bugs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


class GigawattError(Exception):
    """Base of every error gigawatt raises on purpose: bad input named (file, argument, value), or no plan found."""


class NoPlan(GigawattError, RuntimeError):
    """No plan was found: ``termination`` says why."""

    def __init__(self, message: str, termination: str):
        super().__init__(message)
        self.termination = termination


class InfeasibleScenario(NoPlan):
    """The scenario has no feasible plan; ``findings`` lists the requirements that cannot be met.

    ``conflict`` lists the model constraints of an irreducible infeasible subset of the LP relaxation
    (HiGHS IIS), when the solver found the scenario infeasible.
    """

    def __init__(self, message: str, findings: pd.DataFrame | None = None, conflict: pd.DataFrame | None = None):
        super().__init__(message, "infeasible")
        self.conflict = conflict if conflict is not None else pd.DataFrame(columns=["constraint", "index"])
        self.findings = (
            findings if findings is not None else pd.DataFrame(columns=["requirement", "entity", "year", "shortfall", "unit", "message"])
        )


def first_line(error: BaseException, limit: int = 300) -> str:
    """The first line of an exception's message, cut to ``limit`` characters: for one-line reports."""
    return (str(error).strip().splitlines() or [""])[0][:limit]


class OptionError(GigawattError, ValueError):
    """An argument of a gigawatt function with a value it cannot use: ``argument`` names it."""

    def __init__(self, argument: str, message: str):
        super().__init__(message)
        self.argument = argument


class FileProblem(GigawattError, ValueError):
    """A file or folder gigawatt will not read or write: ``path`` is the one at fault, ``problem`` says why."""

    def __init__(self, path: str | Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


class PlanFileError(FileProblem):
    """A saved plan folder that cannot be read back (garbage, truncated, tampered or missing files)."""


class StoreError(FileProblem):
    """A file that is not a gigawatt results store, or not a readable one."""


class OutputRefused(FileProblem):
    """An output path gigawatt will not write to: that would destroy something it did not write."""
