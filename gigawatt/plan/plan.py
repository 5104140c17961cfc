"""The :class:`Plan`: what to build where and when, with costs, power against the ceiling, and status."""

from __future__ import annotations

import glob
import html
import json
import math
import os
import shutil
import stat
import tempfile
import uuid
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from gigawatt.errors import OptionError, OutputRefused, PlanFileError, first_line
from gigawatt.outputs import output_path
from gigawatt.plan.tables import PLAN_TABLES, TEXT_COLUMNS
from gigawatt.plan.value import GwValue
from gigawatt.scenario import Scenario
from gigawatt.scenario.schema import TABLES as SCENARIO_TABLES
from gigawatt.solvers.base import status_words

if TYPE_CHECKING:
    from gigawatt.plan.delivered import Delivery
    from gigawatt.plot.accessor import PlanPlots

FORMAT_VERSION = 2
#: What each ``objective`` setting optimises, in the summary's words.
OBJECTIVES = {
    "cost": "cost: least discounted cost, compute not delivered at its value",
    "compute": "compute: most value of compute delivered (least forgone), cost as a tie-break",
}


@dataclass(frozen=True)
class Plan:
    """A solved scenario. Tables (``plan.sites``, ``plan.chips``, ...) are pandas DataFrames.

    ``objective`` and ``bound`` are discounted total cost in USD; ``gap`` is relative;
    ``timings`` holds seconds for build, hand-off, solve, extract and duals. ``duals`` holds shadow
    prices in planners' units (:func:`gigawatt.plan.duals.shadow_prices`): for a MIP they are
    conditional on the plan's build (openings, blocks, link builds). ``gw_value`` is the value of a
    gigawatt re-optimised from this plan's ceiling (:mod:`gigawatt.plan.value`), when it was worked out
    (:func:`gigawatt.analysis.ceiling.gw_value`, ``gigawatt solve --gw-value``).
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
    gw_value: GwValue | None = None

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
            message = "this plan is the LP relaxation (relax=True): a lower bound, not a buildable plan; solve without relax to verify"
            raise OptionError("relax", message)
        integer = bool(self.options.get("integer_units", True))
        return verify(self.scenario, self.tables, self.objective, columns=PLAN_TABLES, integer_units=integer, **kwargs)

    @property
    def delivered(self) -> pd.DataFrame:
        """Delivered energy price per site and year, USD/MWh everything included (:mod:`gigawatt.plan.delivered`)."""
        return self._delivery.prices

    @property
    def feeds(self) -> pd.DataFrame:
        """Average MW each supply delivers to each campus per year, traced through the grid (:mod:`gigawatt.plan.delivered`)."""
        return self._delivery.feeds

    @property
    def access(self) -> pd.DataFrame:
        """Per campus and year: facility MW, firm grid, on-site and non-firm MW, what feeds it, its price (:func:`.delivered.access`)."""
        from gigawatt.plan.delivered import access

        return access(self.tables, self._delivery)

    @cached_property
    def _delivery(self) -> Delivery:
        from gigawatt.plan.delivered import delivery

        return delivery(self.scenario, self.tables)

    @property
    def compute(self) -> pd.DataFrame:
        """Compute delivered and not delivered per year, EFLOP/s: ``inference_eflops`` (served in the regions),
        ``training_eflops`` (what the runs need less what ``unserved`` leaves unplaced: the runs' own EFLOP/s, a
        fraction of a run in an LP relaxation; a run split over campuses uses more there, its split loss), ``eflops``
        (their sum) and ``unserved_eflops`` (``unserved``: demand not served, runs not placed)."""
        frame = pd.DataFrame({"year": self.tables["power"]["year"].drop_duplicates().to_numpy()})

        def per_year(rows: pd.DataFrame) -> pd.Series:
            return frame["year"].map(rows.groupby("year")["eflops"].sum()).fillna(0.0)

        unserved = self.tables["unserved"]
        frame["inference_eflops"] = per_year(self.tables["serving"])
        unplaced = per_year(unserved[unserved["workload"] == "training"])
        frame["training_eflops"] = frame["year"].map(self.scenario.training_eflops()).fillna(0.0) - unplaced
        frame["eflops"] = frame["inference_eflops"] + frame["training_eflops"]
        frame["unserved_eflops"] = per_year(unserved)
        return frame

    @property
    def kpis(self) -> dict[str, float]:
        """Headline figures.

        ``total_cost_usd`` (discounted, with the value of compute not delivered: the objective of ``objective:
        cost``), ``forgone_usd`` (that value, discounted), ``usd_per_eflops_yr`` (levelised: discounted cost
        without the forgone value over discounted EFLOP/s-years delivered), ``peak_facility_mw``, ``co2_t``
        (supplies and on-site generation), ``final_year_eflops`` (compute delivered in the final year: inference
        and placed training runs, as :attr:`compute`), ``final_year_unserved_eflops`` (compute not delivered in
        the final year) and ``delivered_usd_per_mwh`` (the campuses' delivered energy price,
        energy-weighted over sites and years). Which objective was optimised is the scenario's
        ``settings.objective``, shown by :meth:`summary`.
        """
        from gigawatt.model.data import Horizon
        from gigawatt.model.objective import FORGONE_CATEGORIES
        from gigawatt.plan.delivered import average_price

        st = self.scenario.settings
        horizon = Horizon.from_settings(st)
        power, supplies, compute = self.tables["power"], self.tables["supplies"], self.compute.set_index("year")
        delivered, unserved = compute["eflops"], compute["unserved_eflops"]
        discounted_eflops_yr = sum(v * horizon.op_weight(int(y)) for y, v in delivered.items())
        costs = self.tables["costs"]
        forgone = float(costs.loc[costs["category"].isin(FORGONE_CATEGORIES), "discounted_usd"].sum())
        total = float(self.objective or 0.0) if st.objective == "cost" else float(costs["discounted_usd"].sum())
        return {
            "total_cost_usd": total,
            "forgone_usd": forgone,
            "usd_per_eflops_yr": (total - forgone) / discounted_eflops_yr if discounted_eflops_yr else float("nan"),
            "peak_facility_mw": float(power["facility_mw"].max()),
            "ceiling_mw": float(st.ceiling_mw),
            "co2_t": float(sum((t["co2_t"] * t["year"].map(st.year_weights)).sum() for t in (supplies, self.tables["onsite"]))),
            "final_year_eflops": float(delivered.iloc[-1]) if len(delivered) else 0.0,
            "final_year_unserved_eflops": float(unserved.iloc[-1]) if len(unserved) else 0.0,
            "sites_opened": int(self.tables["sites"].groupby("site_id")["open"].any().sum()),
            "delivered_usd_per_mwh": average_price(self.delivered),
        }

    @property
    def title(self) -> str:
        """The scenario's name with the overrides it was solved with: ``default with ceiling_mw=6000``."""
        return self.scenario.name + self._with()

    def _with(self) -> str:
        overrides = self.scenario.overrides or tuple(self.metadata.get("overrides", ()))  # a loaded plan: from its metadata
        return f" with {', '.join(overrides)}" if overrides else ""

    def summary(self) -> str:
        """A short text report: status, cost, power against the ceiling, each campus's power and price, what gets built."""
        from gigawatt.plan.delivered import campus_lines

        k = self.kpis
        st = self.scenario.settings
        budget = "" if st.budget_usd is None else f", within a budget of {st.budget_usd / 1e9:,.2f} B USD (discounted)"
        solved = "" if st.objective == "cost" else f"objective {_usd_b(self.objective)}, "
        lines = [
            f"Plan for {self.scenario.name!r}{self._with()}: {status_words(self.status, self.solution)}, gap {_pct(self.gap)}",
            f"  objective       {OBJECTIVES[st.objective]}{budget}",
            f"  total cost      {k['total_cost_usd'] / 1e9:,.2f} B USD (discounted); {solved}bound {_usd_b(self.bound)}",
            "  cost of compute "
            + (
                f"{k['usd_per_eflops_yr'] / 1e6:,.1f} M USD per EFLOP/s-year"
                if math.isfinite(k["usd_per_eflops_yr"])
                else "none: no compute delivered"
            ),
            f"  peak power      {k['peak_facility_mw']:,.0f} MW of {k['ceiling_mw']:,.0f} MW ceiling",
            f"  sites opened    {k['sites_opened']};  CO2 {k['co2_t'] / 1e6:,.2f} Mt over the horizon",
        ]
        unserved = len(self.tables["unserved"]) > 0
        if unserved or k["forgone_usd"]:
            lines.append(f"  not delivered   compute worth {k['forgone_usd'] / 1e9:,.2f} B USD (discounted) bought elsewhere or forgone")
        compute = self.compute.set_index("year")
        training = bool(compute["training_eflops"].any())
        heading = "  year   facility MW   headroom MW   EFLOP/s" + ("  training" if training else "") + ("  unserved" if unserved else "")
        lines.append(heading)
        for row in self.tables["power"].itertuples(index=False):
            line = f"  {row.year}  {row.facility_mw:12,.0f}  {row.headroom_mw:12,.0f}  {compute.at[row.year, 'eflops']:8,.1f}"
            line += f"  {compute.at[row.year, 'training_eflops']:8,.1f}" if training else ""
            lines.append(line + (f"  {compute.at[row.year, 'unserved_eflops']:8,.1f}" if unserved else ""))
        future = self.metadata.get("future")
        if future is not None:  # one future of a two-stage plan (gigawatt.analysis.futures)
            lines.insert(
                1,
                f"  future          {future!r}, probability {self.metadata['probability']:g}, of a two-stage plan: "
                f"commitments up to {self.metadata['commit_year']} shared by every future (the bound is on the expected cost)",
            )
        if self.gw_value is not None:
            lines.insert(1, f"  {self.gw_value}")
        else:
            lines.insert(1, "  value of 1 GW   not worked out here: gigawatt solve --gw-value, or gw.gw_value(scenario, low_mw, high_mw)")
        if self.duals is not None:
            ceiling = self.duals[(self.duals["constraint"] == "power_ceiling") & (self.duals["value"] > 0)]
            if len(ceiling):
                worth = ", ".join(f"{r.year} {r.value / 1e6:,.2f}" for r in ceiling.itertuples(index=False))
                lines.append(f"  ceiling dual given this build, per year: {worth} M USD per MW-year")
        tranches = self.tables["interconnection"]
        if len(tranches):
            last = tranches[tranches["year"] == tranches["year"].max()]
            taken = last[last["taken"].astype(bool)]
            lines.append(
                f"  grid connection {len(taken)} of {tranches['tranche_id'].nunique()} tranches taken, "
                f"{taken['firm_mw'].sum():,.0f} MW firm by {last['year'].iloc[0]}"
            )
        onsite = self.tables["onsite"]
        if len(onsite):
            built = onsite.groupby(["site_id", "tech_id", "kind"])["capacity_mw"].max().groupby("kind").sum()
            retired = onsite.groupby(["site_id", "tech_id"])["retired_mw"].max().sum()
            lines.append(
                f"  on-site         {built.get('generator', 0.0):,.0f} MW generators, {built.get('battery', 0.0):,.0f} MW batteries "
                f"built, {retired:,.0f} MW retired"
            )
        curtailment = self.tables["curtailment"]
        if len(curtailment) and curtailment["nonfirm_mw"].sum() > 0:
            lines.append(
                f"  non-firm grid   up to {curtailment['nonfirm_mw'].max():,.0f} MW at a site, {curtailment['lost_mwh'].sum():,.0f} MWh "
                f"of compute lost, {curtailment['covered_mwh'].sum():,.0f} MWh covered on site (modelled years)"
            )
        campuses = campus_lines(self.access, self._delivery, self.tables.get("interconnection"))
        if campuses:
            lines.append(
                f"  campuses        power by the last year (MW), delivered energy at {k['delivered_usd_per_mwh']:,.1f} USD/MWh on average"
            )
            lines += [f"    {line}" for line in campuses]
        lines += _campus_years(self.tables["sites"]) + _chip_years(self.tables["chips"], self.scenario)
        t = self.timings
        lines.append("  seconds         " + ", ".join(f"{k} {v:.2f}" for k, v in t.items()))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Plan({self.scenario.name!r}, status={self.status!r}, objective={_usd_b(self.objective)}, gap={_pct(self.gap)})"

    def _repr_html_(self) -> str:
        k = self.kpis
        head = (
            f"<h4>Plan for {html.escape(self.title)}: {status_words(self.status, self.solution)}</h4>"
            f"<p>Total cost {k['total_cost_usd'] / 1e9:,.2f} B USD "
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

    def report(self, path: str | Path, *, verify: bool = True, overwrite: bool = False) -> Path:
        """Write a self-contained HTML report (summary, KPIs, charts, tables) that opens offline; returns its path.

        An existing file at ``path`` is replaced only if it is a gigawatt report, or with ``overwrite=True``.
        """
        from gigawatt.plot.report import report

        return report(self, path, verify=verify, overwrite=overwrite)

    def to_excel(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write an Excel workbook: a ``summary`` sheet, then one sheet per table (:mod:`gigawatt.plan.export`); returns its path.

        An existing file is replaced only with ``overwrite=True``.
        """
        from gigawatt.plan.export import plan_sheets, to_excel

        return to_excel(plan_sheets(self), path, overwrite=overwrite)

    def to_csv(self, directory: str | Path) -> Path:
        """Write ``summary.csv`` and one ``<table>.csv`` per table to a new folder (or over an earlier CSV export); returns its path."""
        from gigawatt.plan.export import plan_sheets, to_csv_folder

        return to_csv_folder(plan_sheets(self), directory)

    def diff(self, other: Plan) -> pd.DataFrame:
        """KPIs side by side and what changed per site, chip and link (:func:`gigawatt.plan.diff.diff`; ``change = other - this``)."""
        from gigawatt.plan.diff import diff

        return diff(self, other)

    # -- persistence ----------------------------------------------------------------------------
    def save(self, directory: str | Path, *, overwrite: bool = False) -> Path:
        """Write tables (Parquet), metadata (JSON) and the scenario to ``directory``, atomically; returns its absolute path.

        ``directory`` must be new or a plan folder saved earlier holding nothing but what gigawatt
        wrote; anything else is refused (:class:`~gigawatt.errors.OutputRefused`) unless
        ``overwrite=True``, and a scenario folder (or one holding scenario folders), the current
        folder and its parents are refused even then (:func:`check_plan_target`).

        Everything is written to a hidden folder beside ``directory`` and renamed into place. A save
        that fails or is interrupted leaves the previous plan in ``directory`` and no temporary
        folder; a process killed between the two renames leaves it at ``.<name>.old``, where
        :func:`load_plan` and the next save find it.
        """
        target = check_plan_target(directory, overwrite=overwrite)
        target.parent.mkdir(parents=True, exist_ok=True)
        old = _previous(target)
        if not _exists(target) and is_plan_folder(old):
            os.replace(old, target)  # a save killed between its renames
        _sweep(target)
        tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()  # with the user's umask (a temporary folder from mkdtemp would keep mode 0700 once renamed)
        try:
            self._write(tmp)
            if _exists(target):
                _discard(old, target)
                os.replace(target, old)
                os.replace(tmp, target)
                _discard(old, target)
            else:
                os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if not _exists(target) and _exists(old):
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
        if self.gw_value is not None:
            meta["gw_value"] = self.gw_value.as_dict()
        (folder / "plan.json").write_text(json.dumps(meta, indent=2, default=str))
        (folder / "log.txt").write_text(self.log, encoding="utf-8", errors="backslashreplace")
        (folder / PLAN_MARKER).write_text(f"gigawatt plan format {FORMAT_VERSION}\n")


class OlderPlanWarning(UserWarning):
    """A plan saved by an older gigawatt lacks tables or columns added since: they were read as empty."""


#: The file that marks a folder as a plan gigawatt saved; it holds the format version.
PLAN_MARKER = ".gigawatt-plan"
#: What a plan folder holds besides its Parquet tables: gigawatt wrote all of it (``report.html`` by ``gigawatt report DIR``).
PLAN_FILES = frozenset({PLAN_MARKER, "plan.json", "log.txt", "duals.parquet", "scenario", "report.html"})
#: Folders deeper than this inside plan.json (options, metadata) are refused as tampered.
MAX_JSON_DEPTH = 32


def is_plan_folder(path: Path) -> bool:
    """Whether ``path`` is a folder (not a link) that :meth:`Plan.save` wrote: its marker, or plan.json and every table (older saves)."""
    if path.is_symlink() or not path.is_dir():
        return False
    if (path / PLAN_MARKER).is_file():
        return True
    return (path / "plan.json").is_file() and all((path / f"{name}.parquet").is_file() for name in PLAN_TABLES)


def _foreign_files(folder: Path) -> list[str]:
    """Names in a plan folder that gigawatt did not write there."""
    ours = PLAN_FILES | {f"{name}.parquet" for name in PLAN_TABLES}
    return sorted(p.name for p in folder.iterdir() if p.name not in ours)


def _holds_scenario(folder: Path) -> bool:
    """Whether ``folder`` is a scenario folder or holds one directly (a plan's own ``scenario/`` aside)."""
    if (folder / "scenario.yaml").exists():
        return True
    return not is_plan_folder(folder) and any(folder.glob("*/scenario.yaml"))


def check_plan_target(directory: str | Path, *, overwrite: bool = False) -> Path:
    """The absolute folder a plan may be saved to, or :class:`OutputRefused` saying why not.

    Free: a new path, or a plan folder holding only what gigawatt wrote. With ``overwrite``, also any
    other file or folder, except a scenario folder or a folder holding one (never replaced).
    """
    target = output_path(directory)
    for path in (target, _previous(target)):
        if not _exists(path) or (is_plan_folder(path) and not _foreign_files(path)):
            continue
        if path.is_dir() and not path.is_symlink() and _holds_scenario(path):
            raise OutputRefused(path, "holds a scenario (scenario.yaml); plans are never saved over a scenario, pick a new folder")
        if overwrite:
            continue
        if is_plan_folder(path):
            extra = ", ".join(_foreign_files(path)[:5])
            raise OutputRefused(path, f"is a saved plan holding files gigawatt did not write ({extra}); use --force to replace it all")
        kind = "a folder" if path.is_dir() and not path.is_symlink() else "a file"
        raise OutputRefused(path, f"exists and is {kind}, not a gigawatt plan folder; pick a new folder, or use --force to replace it")
    return target


def _exists(path: Path) -> bool:
    """Whether anything is at ``path``, a dangling link included."""
    return path.exists() or path.is_symlink()


def _discard(path: Path, target: Path) -> None:
    """Delete ``path`` whatever it is (folder, file or link; a link's target is left alone); nothing there is fine.

    A folder is first renamed to a temporary name beside ``target`` that :func:`_sweep` knows, so a
    process killed while deleting it leaves no half-deleted folder under a name that counts.
    """
    if path.is_dir() and not path.is_symlink():
        doomed = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
        os.replace(path, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
    elif _exists(path):
        path.unlink(missing_ok=True)


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


def _campus_years(sites: pd.DataFrame) -> list[str]:
    """Summary lines: each opened campus's capacity built (MW) by year, the largest by the last year first."""
    opened = sites[sites["open"].astype(bool)]
    if opened.empty:
        return []
    table = opened.pivot_table(index="site_id", columns="year", values="capacity_mw", aggfunc="sum")
    table = table.reindex(columns=sorted(sites["year"].unique())).sort_values(table.columns[-1], ascending=False)
    width = max(13, *(len(s) + 2 for s in table.index))
    lines = [f"  {'campus MW built':<{width + 2}}" + "".join(f"{y:>8}" for y in table.columns)]
    for site, row in table.iterrows():
        lines.append(f"    {site:<{width}}" + "".join(f"{'-':>8}" if pd.isna(v) else f"{v:>8,.0f}" for v in row))
    return lines


def _chip_years(chips: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Summary lines: whole units installed each year by accelerator family, with the accelerators they hold."""
    if chips.empty or chips["installed_units"].sum() < 0.5:
        return []
    spec = scenario.tables["chips"].set_index("chip_id")
    frame = chips.assign(
        family=chips["chip_id"].map(scenario.chip_family()),
        accelerators=chips["installed_units"] * chips["chip_id"].map(spec["accelerators_per_unit"]),
    )
    by_year = frame.groupby(["year", "family"])[["installed_units", "accelerators"]].sum()
    lines = ["  chips installed units a year by family (the accelerators they hold: a unit is a server or a rack)"]
    for year, rows in by_year.groupby(level="year"):
        parts = [
            f"{family} {round(r.installed_units):,} ({round(r.accelerators):,})"
            for (_, family), r in rows.iterrows()
            if r.installed_units >= 0.5
        ]
        if parts:
            lines.append(f"    {year}  " + ", ".join(parts))
    return lines


# -- reading a saved plan, trusting nothing in it -------------------------------------------------
def load_plan(directory: str | Path) -> Plan:
    """Read a plan written by :meth:`Plan.save`.

    Every file is checked before use, and every campus, link, run or other id the plan's tables name must be in the
    plan's own scenario; a folder that is not a readable plan raises :class:`~gigawatt.errors.PlanFileError` naming the
    file and what is wrong with it.
    """
    source = Path(directory)
    if not _exists(source) and is_plan_folder(_previous(source)):
        source = _previous(source)  # a save was killed between its renames: the previous plan
    if not source.is_dir():
        problem = "is not a folder; expected a plan saved by solve --out" if _exists(source) else "no plan folder here"
        raise PlanFileError(source, problem)
    meta = _read_meta(source / "plan.json")
    older: list[str] | None = [] if meta.pop("format_version") < FORMAT_VERSION else None
    tables = {name: _read_table(source / f"{name}.parquet", _column_kinds(columns), older) for name, columns in PLAN_TABLES.items()}
    if older:
        meta["metadata"] = {**meta["metadata"], "absent_when_saved": older}  # type: ignore[dict-item]
        warnings.warn(
            f"{source}: a plan saved by an older gigawatt (plan format {FORMAT_VERSION - 1}); it has no {', '.join(older)}: "
            "read as empty (solve the scenario again for them)",
            OlderPlanWarning,
            stacklevel=2,
        )
    duals_file = source / "duals.parquet"
    duals = _read_table(duals_file, DUALS_COLUMNS) if _exists(duals_file) else None
    scenario = _read_scenario(source / "scenario")
    _check_references(tables, scenario, source / "scenario")
    log_file = source / "log.txt"
    log = _read_bytes(log_file).decode("utf-8", errors="replace") if _exists(log_file) else ""
    return Plan(scenario, tables, **meta, log=log, duals=duals)  # type: ignore[arg-type]


#: plan.json: key -> the JSON types its value may take (``float`` admits integers; None where it may be null).
META_TYPES: dict[str, tuple[type, ...]] = {
    "status": (str,),
    "solution": (str,),
    "objective": (float, type(None)),
    "bound": (float, type(None)),
    "gap": (float, type(None)),
    "timings": (dict,),
    "options": (dict,),
    "metadata": (dict,),
}
#: Columns the summary reads from ``duals.parquet``, and their kind (years may be missing there).
DUALS_COLUMNS = {"constraint": "text", "year": "number", "value": "number"}


def _read_bytes(path: Path) -> bytes:
    """The bytes of a regular file, or PlanFileError (missing, a folder, a FIFO, unreadable)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise PlanFileError(path, "is not a regular file")
        return path.read_bytes()
    except FileNotFoundError:
        raise PlanFileError(path, "is missing") from None
    except OSError as error:
        raise PlanFileError(path, f"cannot be read ({error.strerror or error})") from None


def _read_meta(path: Path) -> dict[str, object]:
    """plan.json checked: JSON, an object of the right keys and types, a format this version reads."""
    try:
        meta = json.loads(_read_bytes(path).decode("utf-8"))
    except UnicodeDecodeError:
        raise PlanFileError(path, "is not UTF-8 text") from None
    except RecursionError:
        raise PlanFileError(path, "nests too deep") from None
    except ValueError as error:
        raise PlanFileError(path, f"is not valid JSON ({error})") from None
    if not isinstance(meta, dict):
        raise PlanFileError(path, f"expected a JSON object, got {type(meta).__name__}")
    version = meta.get("format_version")
    if type(version) is not int or not 1 <= version <= FORMAT_VERSION:
        raise PlanFileError(path, f"format_version {version!r}: this gigawatt reads plan formats 1 to {FORMAT_VERSION}")
    if _depth(meta) > MAX_JSON_DEPTH:
        raise PlanFileError(path, f"nests deeper than {MAX_JSON_DEPTH} levels")
    checked = {}
    for key, kinds in META_TYPES.items():
        if key not in meta:
            raise PlanFileError(path, f"no {key!r}")
        value = meta[key]
        if float in kinds and type(value) is int:
            value = float(value)
        if type(value) not in kinds:
            raise PlanFileError(path, f"{key!r}: expected {_json_types(kinds)}, got {type(value).__name__}")
        checked[key] = value
    checked["format_version"] = version
    if meta.get("gw_value") is not None:  # optional: plans saved without it, or before it existed
        try:
            checked["gw_value"] = GwValue.from_dict(meta["gw_value"])
        except ValueError as error:
            raise PlanFileError(path, str(error)) from None
    bad = [k for k, v in checked["timings"].items() if type(v) not in (int, float)]
    if bad:
        raise PlanFileError(path, f"timings {bad[0]!r}: expected seconds, got {checked['timings'][bad[0]]!r}")
    _check_metadata(checked["metadata"], path)  # type: ignore[arg-type]
    return checked


#: The ``metadata`` entries a loaded plan's summary, report and export read, and the JSON types each may take (a plan may
#: lack any of them; ``probability`` and ``commit_year`` come with a ``future``).
METADATA_TYPES: dict[str, tuple[type, ...]] = {
    "overrides": (list,),
    "future": (str, type(None)),
    "probability": (int, float),
    "commit_year": (int,),
    "solver": (str, type(None)),
}


def _check_metadata(metadata: dict[str, object], path: Path) -> None:
    """The entries of :data:`METADATA_TYPES` in ``metadata`` have their types, or PlanFileError naming ``path``."""
    for key, kinds in METADATA_TYPES.items():
        if key in metadata and type(metadata[key]) not in kinds:
            raise PlanFileError(path, f"metadata {key!r}: expected {_json_types(kinds)}, got {type(metadata[key]).__name__}")
    if not all(isinstance(item, str) for item in metadata.get("overrides", ())):  # type: ignore[union-attr]
        raise PlanFileError(path, "metadata 'overrides': expected a list of texts such as 'ceiling_mw=6000'")
    if metadata.get("future") is not None and not {"probability", "commit_year"} <= set(metadata):
        raise PlanFileError(path, "metadata 'future': a plan of one future needs its 'probability' and 'commit_year'")


def _json_types(kinds: tuple[type, ...]) -> str:
    """``kinds`` as a message names them: ``float or null``."""
    return " or ".join("null" if k is type(None) else k.__name__ for k in kinds)


def _depth(value: object) -> int:
    """How deeply lists and objects nest in a JSON value (iterative: no recursion limit to hit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _column_kinds(columns: Iterable[str]) -> dict[str, str]:
    """A plan table's columns by kind, from their names: ids and categories text, ``year`` whole years, the rest numbers."""
    return {c: "text" if c.endswith("_id") or c in TEXT_COLUMNS else "year" if c == "year" else "number" for c in columns}


def _read_table(path: Path, kinds: Mapping[str, str], older: list[str] | None = None) -> pd.DataFrame:
    """A Parquet table holding at least the columns of ``kinds``, each of its kind (:func:`_column_problem`).

    ``older`` (a list) reads a plan of an older format: a table or column it did not have yet is read as empty
    (no rows; a column of nulls) and named in ``older``.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if older is not None and not _exists(path):
        older.append(f"{path.stem} table")
        return pd.DataFrame({c: pd.Series(dtype=object if k == "text" else "int64" if k == "year" else float) for c, k in kinds.items()})
    data = _read_bytes(path)
    try:
        table = pq.read_table(pa.BufferReader(data))
        table.validate(full=True)  # text that is not UTF-8 would otherwise fail later, when a cell is read
        frame = table.to_pandas()
    except Exception as error:  # pyarrow raises ArrowInvalid, OSError and others for damaged files
        raise PlanFileError(path, f"is not a readable Parquet table ({type(error).__name__}: {first_line(error)})") from None
    for column, kind in kinds.items():
        if column not in frame.columns and older is not None and kind != "year":
            older.append(f"{path.stem}.{column}")
            frame[column] = pd.Series(
                ["" if kind == "text" else float("nan")] * len(frame), index=frame.index, dtype=object if kind == "text" else float
            )
            continue
        if column not in frame.columns:
            raise PlanFileError(path, f"has no column {column!r}")
        problem = _column_problem(frame[column], kind)
        if problem:
            raise PlanFileError(path, f"column {column!r}: {problem}")
    return frame


def _column_problem(values: pd.Series, kind: str) -> str | None:
    """What is wrong with a column of kind ``text``, ``year`` (whole numbers) or ``number``; None when nothing."""
    if kind == "text":
        textual = pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)  # an empty float column too
        return None if textual and values.map(lambda v: isinstance(v, str)).all() else "expected text"
    if kind == "year":
        return None if pd.api.types.is_integer_dtype(values) else f"expected whole years, got {values.dtype}"
    return None if pd.api.types.is_numeric_dtype(values) else f"expected numbers, got {values.dtype}"


def _read_scenario(folder: Path) -> Scenario:
    """The plan's own copy of its scenario, checked as any scenario is."""
    from gigawatt.scenario import ScenarioError, load_scenario

    if not folder.is_dir() or folder.is_symlink():
        raise PlanFileError(folder, "is missing or not a folder; expected the plan's scenario")
    try:
        return load_scenario(folder)
    except ScenarioError as error:
        raise PlanFileError(folder, "the plan's scenario is invalid: " + "; ".join(map(str, error.problems[:3]))) from None


def _check_references(tables: Mapping[str, pd.DataFrame], scenario: Scenario, folder: Path) -> None:
    """Every id the plan's tables name (``*_id`` columns; blank for none) is in its scenario ``folder``, or PlanFileError
    naming the scenario file that should hold it: a plan read with a scenario that is not its own would be priced
    and checked against the wrong campuses, links or runs."""
    home = {spec.key[0]: name for name, spec in SCENARIO_TABLES.items() if len(spec.key) == 1}  # id column -> the table it names
    known = {column: _texts(t[column] for t in scenario.tables.values() if column in t.columns) for column in home}
    for table, frame in tables.items():
        for column in (c for c in frame.columns if c in home):
            unknown = sorted(_texts([frame[column]]) - known[column] - {"", "nan"})
            if not unknown:
                continue
            path = folder / f"{home[column]}.csv"
            listed = ", ".join(map(repr, unknown[:3])) + (f" and {len(unknown) - 3:,} more" if len(unknown) > 3 else "")
            problem = (
                f"is missing, yet the plan's {table}.parquet names {column} {listed}"
                if home[column] not in scenario.tables
                else f"has no {column} {listed}, which the plan's {table}.parquet names"
            )
            raise PlanFileError(path, f"{problem}: the plan's scenario is not the one it was solved on")


def _texts(columns: Iterable[pd.Series]) -> set[str]:
    """The distinct values of ``columns`` as text, missing values left out."""
    return {str(v) for column in columns for v in column.dropna().unique()}


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
