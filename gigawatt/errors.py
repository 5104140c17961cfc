"""Exceptions a solve raises when there is no plan to return."""

from __future__ import annotations

import pandas as pd


class NoPlan(RuntimeError):
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
