"""The :class:`Plan`: what to build where and when, with costs, power against the ceiling, and status."""

from __future__ import annotations

import glob
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from gigawatt.plan.tables import PLAN_TABLES
from gigawatt.scenario import Scenario

if TYPE_CHECKING:
    from gigawatt.plot.accessor import PlanPlots

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Plan:
    """A solved scenario. Tables (``plan.sites``, ``plan.chips``, ...) are pandas DataFrames.

    ``objective`` and ``bound`` are discounted total cost in USD; ``gap`` is relative;
    ``timings`` holds seconds for build, hand-off, solve, extract and duals. ``duals`` holds shadow
    prices in planners' units (:func:`gigawatt.plan.duals.shadow_prices`): for a MIP they are
    conditional on the plan's build (openings, blocks, link builds).
    """

    scenario: Scenario
    tables: Mapping[str, pd.DataFrame]
    status: str
    solution: str
    objective: float | None
    bound: float | None
    gap: float | None
    timings: Mapping[str, float]
    options: Mapping[str, object]
    metadata: Mapping[str, object] = field(default_factory=dict)
    log: str = field(default="", repr=False)
    duals: pd.DataFrame | None = field(default=None, repr=False)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in PLAN_TABLES:
            return object.__getattribute__(self, "tables")[name]
        raise AttributeError(name)

    # -- checks and figures ---------------------------------------------------------------------
    def verify(self, **kwargs: object) -> list:
        """Violations found by the independent checker (:mod:`gigawatt.plan.verify`); empty when sound.

        A relaxed (LP) solution is a lower bound for screening, not a buildable plan, and is refused.
        """
        from gigawatt.plan.verify import verify

        if self.options.get("relax", False):
            raise ValueError(
                "this plan is the LP relaxation (relax=True): a lower bound, not a buildable plan; solve without relax to verify"
            )
        integer = bool(self.options.get("integer_units", True))
        return verify(self.scenario, self.tables, self.objective, columns=PLAN_TABLES, integer_units=integer, **kwargs)

    @property
    def kpis(self) -> dict[str, float]:
        """Headline figures.

        ``total_cost_usd`` (discounted), ``usd_per_eflops_yr`` (levelised: discounted cost over
        discounted EFLOP/s-years delivered), ``peak_facility_mw``, ``co2_t`` and ``final_year_eflops``.
        """
        from gigawatt.model.data import Horizon

        st = self.scenario.settings
        horizon = Horizon.from_settings(st)
        power, supplies, serving = self.tables["power"], self.tables["supplies"], self.tables["serving"]
        delivered = serving.groupby("year")["eflops"].sum().reindex(power["year"], fill_value=0.0)
        discounted_eflops_yr = sum(v * horizon.op_weight(int(y)) for y, v in delivered.items())
        total = float(self.objective or 0.0)
        return {
            "total_cost_usd": total,
            "usd_per_eflops_yr": total / discounted_eflops_yr if discounted_eflops_yr else float("nan"),
            "peak_facility_mw": float(power["facility_mw"].max()),
            "ceiling_mw": float(st.ceiling_mw),
            "co2_t": float((supplies["co2_t"] * supplies["year"].map(st.year_weights)).sum()),
            "final_year_eflops": float(delivered.iloc[-1]) if len(delivered) else 0.0,
            "sites_opened": int(self.tables["sites"].groupby("site_id")["open"].any().sum()),
        }

    def summary(self) -> str:
        """A short text report: status, cost, power against the ceiling, what gets built."""
        k = self.kpis
        lines = [
            f"Plan for {self.scenario.name!r}: {self.status} ({self.solution} solution), gap {_pct(self.gap)}",
            f"  total cost      {k['total_cost_usd'] / 1e9:,.2f} B USD (discounted); bound {_usd_b(self.bound)}",
            f"  cost of compute {k['usd_per_eflops_yr'] / 1e6:,.1f} M USD per EFLOP/s-year",
            f"  peak power      {k['peak_facility_mw']:,.0f} MW of {k['ceiling_mw']:,.0f} MW ceiling",
            f"  sites opened    {k['sites_opened']};  CO2 {k['co2_t'] / 1e6:,.2f} Mt over the horizon",
            "  year   facility MW   headroom MW   EFLOP/s",
        ]
        served = self.tables["serving"].groupby("year")["eflops"].sum()
        for row in self.tables["power"].itertuples(index=False):
            lines.append(f"  {row.year}  {row.facility_mw:12,.0f}  {row.headroom_mw:12,.0f}  {served.get(row.year, 0.0):8,.1f}")
        if self.duals is not None:
            ceiling = self.duals[(self.duals["constraint"] == "power_ceiling") & (self.duals["value"] > 0)]
            if len(ceiling):
                worth = ", ".join(f"{r.year} {r.value / 1e6:,.2f}" for r in ceiling.itertuples(index=False))
                lines.append(f"  ceiling worth   {worth} M USD per MW-year (duals, given this build)")
        chips = self.tables["chips"]
        if len(chips):
            units = chips.groupby("chip_id")["installed_units"].sum().sort_values(ascending=False)
            lines.append("  chips installed " + ", ".join(f"{c} {n:,.0f}" for c, n in units.items() if n > 0))
        t = self.timings
        lines.append("  seconds         " + ", ".join(f"{k} {v:.2f}" for k, v in t.items()))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Plan({self.scenario.name!r}, status={self.status!r}, objective={_usd_b(self.objective)}, gap={_pct(self.gap)})"

    def _repr_html_(self) -> str:
        k = self.kpis
        head = (
            f"<h4>Plan for {self.scenario.name}: {self.status}</h4><p>Total cost {k['total_cost_usd'] / 1e9:,.2f} B USD "
            f"(gap {_pct(self.gap)}); peak {k['peak_facility_mw']:,.0f} of {k['ceiling_mw']:,.0f} MW; "
            f"{k['sites_opened']} sites opened.</p>"
        )
        return head + self.tables["power"].to_html(index=False, float_format=lambda v: f"{v:,.1f}")

    # -- charts, report and comparison ----------------------------------------------------------
    @property
    def plot(self) -> PlanPlots:
        """Charts as plotly figures: ``plan.plot.power()``, ``.capacity()``, ``.chips()``, ``.costs()``, ``.map()``, ``.serving()``."""
        from gigawatt.plot.accessor import PlanPlots

        return PlanPlots(self)

    def report(self, path: str | Path, *, verify: bool = True) -> Path:
        """Write a self-contained HTML report (summary, KPIs, charts, tables) that opens offline; returns its path."""
        from gigawatt.plot.report import report

        return report(self, path, verify=verify)

    def diff(self, other: Plan) -> pd.DataFrame:
        """KPIs side by side and what changed per site, chip and link (:func:`gigawatt.plan.diff.diff`; ``change = other - this``)."""
        from gigawatt.plan.diff import diff

        return diff(self, other)

    # -- persistence ----------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write tables (Parquet), metadata (JSON) and the scenario to ``directory``, atomically.

        Everything is written to a hidden folder beside ``directory`` and renamed into place. A save
        that fails or is interrupted leaves the previous plan in ``directory`` and no temporary
        folder; a process killed between the two renames leaves it at ``.<name>.old``, where
        :func:`load_plan` and the next save find it.
        """
        target = Path(directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        old = _previous(target)
        if not target.exists() and old.is_dir():
            os.replace(old, target)  # a save killed between its renames
        _sweep(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
        try:
            self._write(tmp)
            if target.exists():
                shutil.rmtree(old, ignore_errors=True)
                os.replace(target, old)
                os.replace(tmp, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if not target.exists() and old.is_dir():
                os.replace(old, target)
            raise
        return target

    def _write(self, folder: Path) -> None:
        for name, frame in self.tables.items():
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        if self.duals is not None:
            self.duals.to_parquet(folder / "duals.parquet", index=False)
        _save_scenario(self.scenario, folder / "scenario")
        meta = {
            "format_version": FORMAT_VERSION,
            "status": self.status,
            "solution": self.solution,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "timings": dict(self.timings),
            "options": dict(self.options),
            "metadata": dict(self.metadata),
        }
        (folder / "plan.json").write_text(json.dumps(meta, indent=2, default=str))
        (folder / "log.txt").write_text(self.log)


def _previous(target: Path) -> Path:
    """Where a save keeps the plan it replaces while renaming."""
    return target.with_name(f".{target.name}.old")


def _sweep(target: Path) -> None:
    """Remove temporary folders left beside ``target`` by saves whose process no longer runs (POSIX)."""
    if os.name != "posix":
        return
    for tmp in target.parent.glob(f".{glob.escape(target.name)}.tmp-*-*"):
        pid = tmp.name[len(target.name) + 6 :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(tmp, ignore_errors=True)
        except OSError:
            continue


def load_plan(directory: str | Path) -> Plan:
    """Read a plan written by :meth:`Plan.save`."""
    from gigawatt.scenario import load_scenario

    source = Path(directory)
    if not source.exists() and _previous(source).is_dir():
        source = _previous(source)  # a save was killed between its renames: the previous plan
    meta = json.loads((source / "plan.json").read_text())
    tables = {name: pd.read_parquet(source / f"{name}.parquet") for name in PLAN_TABLES}
    scenario = load_scenario(source / "scenario")
    log = (source / "log.txt").read_text() if (source / "log.txt").exists() else ""
    duals = pd.read_parquet(source / "duals.parquet") if (source / "duals.parquet").exists() else None
    return Plan(
        scenario,
        tables,
        meta["status"],
        meta["solution"],
        meta["objective"],
        meta["bound"],
        meta["gap"],
        meta["timings"],
        meta["options"],
        meta["metadata"],
        log,
        duals,
    )


def _save_scenario(scenario: Scenario, folder: Path) -> None:
    import yaml

    folder.mkdir()
    settings = scenario.settings.model_dump(mode="json")
    (folder / "scenario.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    for name, frame in scenario.tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, float_format="%.17g")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3%}"


def _usd_b(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e9:,.3f} B USD"
