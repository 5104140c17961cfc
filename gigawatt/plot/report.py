"""Self-contained HTML reports: one plan (summary, KPIs, every chart, the main tables) or a sweep's runs compared.

The page inlines plotly.js once and any map outlines, so it opens offline from a file and fetches
nothing. Chart containers are ``<div class="chart" id="chart-<name>">``.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

import gigawatt
from gigawatt.errors import OutputRefused
from gigawatt.outputs import output_path
from gigawatt.plot import sweeps
from gigawatt.plot._common import TOL, figure, year_axis
from gigawatt.plot.accessor import PlanPlots
from gigawatt.plot.export import figure_html, page_head
from gigawatt.solvers.base import status_words

if TYPE_CHECKING:
    from gigawatt.plan.plan import Plan

STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }
table.data { border-collapse: collapse; font-size: .9em; margin: .5em 0 1em; }
table.data th, table.data td { border: 1px solid #ddd; padding: .25em .6em; text-align: right; }
table.data th:first-child, table.data td:first-child { text-align: left; }
.chart { margin: 1em 0; } .note { color: #666; font-size: .9em; }
.scroll { overflow-x: auto; max-width: 100%; }
nav a { margin-right: 1em; }
"""

#: KPI name -> (label, factor, unit, format) for the report's KPI table.
KPI_ROWS: dict[str, tuple[str, float, str, str]] = {
    "total_cost_usd": ("total cost (discounted)", 1e-9, "B USD", "{:,.3f}"),
    "usd_per_eflops_yr": ("cost of compute", 1e-6, "M USD per EFLOP/s-year", "{:,.2f}"),
    "peak_facility_mw": ("peak facility power", 1.0, "MW", "{:,.0f}"),
    "ceiling_mw": ("ceiling", 1.0, "MW", "{:,.0f}"),
    "co2_t": ("CO2 over the horizon", 1e-6, "Mt", "{:,.3f}"),
    "forgone_usd": ("compute not delivered, its value (discounted)", 1e-9, "B USD", "{:,.3f}"),
    "final_year_eflops": ("compute in the final year", 1.0, "EFLOP/s", "{:,.1f}"),
    "final_year_unserved_eflops": ("compute not delivered in the final year", 1.0, "EFLOP/s", "{:,.1f}"),
    "sites_opened": ("sites opened", 1.0, "", "{:,.0f}"),
    "delivered_usd_per_mwh": ("delivered energy price (energy-weighted)", 1.0, "USD/MWh", "{:,.1f}"),
}


def report(plan: Plan, path: str | Path, *, verify: bool = True, overwrite: bool = False) -> Path:
    """Write one self-contained HTML page for ``plan``: summary, KPIs, verification, every chart, the main tables.

    ``verify`` runs the independent checker and lists what it finds (skipped for LP relaxations).
    An existing file at ``path`` is replaced only when it is a gigawatt report or with ``overwrite``
    (:func:`check_report_target`). Returns the path written.
    """
    target = check_report_target(path, overwrite=overwrite)
    charts = PlanPlots(plan).all()
    sections = [
        ("Summary", f"<pre>{html.escape(plan.summary())}</pre>"),
        ("Key figures", _table(kpi_table(plan.kpis))),
    ]
    if verify and not plan.options.get("relax", False):
        violations = plan.verify()
        text = (
            "The independent checker found no violation."
            if not violations
            else f"The independent checker found {len(violations)} violation(s):<ul>"
            + "".join(f"<li>{html.escape(v.message)}</li>" for v in violations)
            + "</ul>"
        )
        sections.append(("Verification", f"<p>{text}</p>"))
    sections += [(_chart_title(name), _chart(name, fig)) for name, fig in charts.items()]
    sections += [(title, _table(make(plan))) for title, make in PLAN_TABLES.items()]
    desc = plan.scenario.settings.description or ""
    changed = plan.scenario.overrides or plan.metadata.get("overrides", ())
    if changed:  # the description was written for the scenario before these
        desc += f" Solved with overrides: {', '.join(changed)}."
    intro = f"<p>{html.escape(desc)}</p>" + (
        f'<p class="note">Status: {html.escape(status_words(plan.status, plan.solution))}; '
        f"objective {_num(plan.objective, 1e-9, '{:,.3f}')} B USD, bound {_num(plan.bound, 1e-9, '{:,.3f}')} B USD, "
        f"gap {_num(plan.gap, 100.0, '{:.3f}')}%. gigawatt {gigawatt.__version__}.</p>"
    )
    return _write(target, f"gigawatt plan: {plan.title}", intro, sections, list(charts.values()))


def runs_report(
    runs: pd.DataFrame, path: str | Path, *, title: str = "gigawatt runs", power: pd.DataFrame | None = None, overwrite: bool = False
) -> Path:
    """Write one self-contained HTML page comparing a sweep's runs (the frame of :func:`gigawatt.load_runs`).

    Charts: total cost, cost of compute and peak power against each swept column (coloured by a
    second swept column when there are two), a tornado chart of a one-at-a-time sensitivity (with its base
    run) instead of a chart per factor, the value of a GW when only ``ceiling_mw`` varies, and
    facility power per year per run (from the ``mw_<year>`` columns, or the ``power`` table with a
    ``run_id`` column). Tables: status counts and every run. An existing file at ``path`` is
    replaced only when it is a gigawatt report or with ``overwrite``. Returns the path written.
    """
    target = check_report_target(path, overwrite=overwrite)
    keys = swept_columns(runs)
    charts: dict[str, go.Figure] = {}
    factors = sweeps.sensitivity_columns(runs, keys)
    for y in ("total_cost_usd", "usd_per_eflops_yr") if factors else ():  # one tornado instead of two-point lines per factor
        if y in runs.columns and runs[y].notna().any():
            charts[f"{y}-tornado"] = sweeps.tornado(runs, factors, y)
    keys_charted = [k for k in keys if k not in factors]
    for x in keys_charted or ([] if factors else ["run_id"]):
        others = [k for k in keys_charted if k != x]
        color = others[0] if len(others) == 1 else None
        for y in ("total_cost_usd", "usd_per_eflops_yr", "peak_facility_mw"):
            if y in runs.columns and runs[y].notna().any():
                charts[f"{y}-vs-{x}"] = sweeps.sweep(runs, x=x, y=y, color=color)
    if keys == ["ceiling_mw"] and {"objective_usd", *sweeps.VALUE_COLUMNS} <= set(runs.columns):
        charts["ceiling-value"] = sweeps.ceiling_value(runs)
    yearly = _yearly_power(runs, power)
    if yearly is not None:
        charts["power-by-run"] = yearly
    status = runs.groupby("status").size().rename("runs").reset_index() if "status" in runs.columns else pd.DataFrame()
    sections = [("Status", _table(status))] if len(status) else []
    sections += [(_chart_title(name), _chart(name, fig)) for name, fig in charts.items()]
    shown = [c for c in ("run_id", "label", *keys, *RUN_TABLE) if c in runs.columns]
    sections.append(("Runs", _table(runs[list(dict.fromkeys(shown))])))
    intro = f"<p>{len(runs)} runs; swept: {html.escape(', '.join(keys) or 'nothing')}. gigawatt {gigawatt.__version__}.</p>"
    return _write(target, title, intro, sections, list(charts.values()))


def alternatives_report(
    common: pd.DataFrame, plans: pd.DataFrame, power: pd.DataFrame, path: str | Path, *, title: str, overwrite: bool = False
) -> Path:
    """Write one self-contained HTML page for a set of near-optimal alternatives (:mod:`gigawatt.analysis.alternatives`).

    First what every plan shares (``common`` rows with ``shared``), then what varies with the cheapest plan
    with and without it, then one row per plan (``plans``) and facility MW per year per plan (``power`` with
    a ``run_id`` column naming the plan). Replaces an existing file only as :func:`runs_report` does.
    """
    target = check_report_target(path, overwrite=overwrite)
    shared, varying = common[common["shared"]], common[~common["shared"]]
    kept = ["decision", "entity", "year", "committed"]
    labels = pd.DataFrame({"run_id": plans["plan"].map(lambda i: f"plan {i}"), "label": plans["plan"].map(lambda i: f"plan {i}")})
    yearly = _yearly_power(labels, power)
    sections = [
        ("What every plan shares", _table(shared[kept])),
        ("What varies", _table(varying.drop(columns=["shared"]))),
        ("Plans", _table(plans)),
    ]
    sections += [("Facility power per year by plan", _chart("power-by-plan", yearly))] if yearly is not None else []
    intro = (
        f"<p>{len(plans)} plans; the decisions all of them take come first (commit to these now), then those that vary with "
        f"the cost of the cheapest plan that takes each and of the cheapest that does not. gigawatt {gigawatt.__version__}.</p>"
    )
    return _write(target, title, intro, sections, [yearly] if yearly is not None else [])


def futures_report(
    summary: str,
    commitments: pd.DataFrame,
    futures: pd.DataFrame,
    power: pd.DataFrame,
    path: str | Path,
    *,
    title: str,
    risk: pd.DataFrame | None = None,
    overwrite: bool = False,
) -> Path:
    """Write one self-contained HTML page for a two-stage plan (:mod:`gigawatt.analysis.futures`): its summary, the
    decisions to commit now, one row per future (cost, perfect-information cost, regret) and facility MW per year per
    future (``power`` with a ``run_id`` column naming the future), and ``risk``, the plan re-solved per CVaR weight, when
    given. Replaces an existing file only as :func:`runs_report` does.
    """
    target = check_report_target(path, overwrite=overwrite)
    labels = pd.DataFrame({"run_id": futures["future_id"], "label": futures["future_id"]})
    yearly = _yearly_power(labels, power)
    sections = [
        ("Summary", f"<pre>{html.escape(summary)}</pre>"),
        ("Commit now", _table(commitments)),
        ("Per future", _table(futures)),
    ]
    sections += [("CVaR against the mean", _table(risk))] if risk is not None else []
    sections += [("Facility power per year by future", _chart("power-by-future", yearly))] if yearly is not None else []
    intro = f"<p>{len(futures)} futures; the decisions to commit now come first. gigawatt {gigawatt.__version__}.</p>"
    return _write(target, title, intro, sections, [yearly] if yearly is not None else [])


#: Result and bookkeeping columns of a runs frame (see :mod:`gigawatt.sweeps.store`); the other columns are swept inputs.
RESULT_COLUMNS = frozenset(
    {
        *("run_id", "sweep", "label", "params", "scenario_hash", "options", "status", "termination", "error"),
        *("objective_usd", "bound_usd", "gap", "total_cost_usd", "usd_per_eflops_yr", "peak_facility_mw", "co2_t"),
        *("final_year_eflops", "final_year_unserved_eflops", "forgone_usd", "sites_opened", "ceiling_dual_max_usd_per_mw_yr"),
        *("discounted_years", "violations", "strategy"),
        *("value_usd_per_mw_yr", "value_low_usd_per_mw_yr", "value_high_usd_per_mw_yr", "value_proven", "seconds"),
        *("build_s", "solve_s", "worker", "attempts", "finished_at"),
    }
)
#: Columns of the runs table in the report, after the swept ones.
RUN_TABLE = (
    *("status", "total_cost_usd", "usd_per_eflops_yr", "peak_facility_mw", "co2_t", "sites_opened"),
    *("final_year_unserved_eflops", "forgone_usd"),
    *("value_usd_per_mw_yr", "value_low_usd_per_mw_yr", "value_high_usd_per_mw_yr", "value_proven"),
    *("ceiling_dual_max_usd_per_mw_yr", "gap", "seconds", "error"),
)


def swept_columns(runs: pd.DataFrame) -> list[str]:
    """The inputs that vary across ``runs``: the keys of its ``params`` (JSON) column, and ``scenario`` when variants differ.

    Without ``params`` (a frame built by hand), every column that is not a known result and varies.
    ``ceiling_mw`` is both a result column and, when swept, an input.
    """
    if "params" in runs.columns:
        keys: list[str] = ["scenario"] if "scenario" in runs.columns else []
        for raw in runs["params"].dropna():
            params = json.loads(raw) if isinstance(raw, str) else dict(raw)
            keys += [k for k in params if k not in keys and k in runs.columns]
    else:
        keys = [c for c in runs.columns if c not in RESULT_COLUMNS and not c.startswith("mw_")]
    return [k for k in keys if runs[k].nunique(dropna=True) > 1]


def kpi_table(kpis: dict[str, float]) -> pd.DataFrame:
    """KPIs as a table with labels and units (figures scaled to the unit)."""
    rows = []
    for key, value in kpis.items():
        label, factor, unit, fmt = KPI_ROWS.get(key, (key, 1.0, "", "{:,.4g}"))
        rows.append({"figure": label, "value": _num(value, factor, fmt), "unit": unit})
    return pd.DataFrame(rows)


# -- the plan's tables in the report -----------------------------------------------------------
def _sites_table(plan: Plan) -> pd.DataFrame:
    sites = plan.tables["sites"]
    opened = sites[sites["open"].astype(float) > TOL]  # fractional in an LP relaxation
    if opened.empty:
        return pd.DataFrame(columns=["site", "node", "opened", "built MW (peak)", "facility MW (peak)"])
    grouped = opened.groupby(["site_id", "node_id"])
    table = pd.DataFrame(
        {
            "opened": grouped["year"].min(),
            "built MW (peak)": grouped["capacity_mw"].max(),
            "facility MW (peak)": grouped["facility_mw"].max(),
        }
    )
    return table.reset_index().rename(columns={"site_id": "site", "node_id": "node"}).sort_values(["opened", "site"])


def _chips_table(plan: Plan) -> pd.DataFrame:
    chips = plan.tables["chips"]
    if chips.empty:
        return pd.DataFrame()
    table = chips.pivot_table(index="chip_id", columns="year", values="installed_units", aggfunc="sum", fill_value=0)
    table = table[(table.abs() > 0).any(axis=1)]
    table.columns = [str(c) for c in table.columns]
    return table.assign(total=table.sum(axis=1)).reset_index().rename(columns={"chip_id": "units installed"})


def _power_table(plan: Plan) -> pd.DataFrame:
    compute = plan.compute.set_index("year")["eflops"]
    power = plan.tables["power"].copy()
    power["eflops"] = power["year"].map(compute).fillna(0.0)
    return power


def _costs_table(plan: Plan) -> pd.DataFrame:
    costs = plan.tables["costs"]
    table = costs.pivot_table(index="category", columns="year", values="discounted_usd", aggfunc="sum", fill_value=0.0) / 1e6
    table.columns = [str(c) for c in table.columns]
    table = table.assign(total=table.sum(axis=1))
    table = table[table["total"].abs() > 0].sort_values("total", ascending=False)
    return table.reset_index().rename(columns={"category": "M USD (discounted)"})


def _links_table(plan: Plan) -> pd.DataFrame:
    links = plan.tables["links"]
    if links.empty:
        return pd.DataFrame()
    last = links[links["year"] == links["year"].max()]
    peak = links.assign(flow=links[["flow_fwd_mw", "flow_bwd_mw"]].max(axis=1)).groupby("link_id")["flow"].max()
    table = last.set_index("link_id")[["expansion_mw", "capacity_mw"]].assign(peak_flow_mw=peak)
    return table.sort_values("expansion_mw", ascending=False).reset_index()


def _supplies_table(plan: Plan) -> pd.DataFrame:
    supplies = plan.tables["supplies"]
    if supplies.empty:
        return pd.DataFrame()
    table = supplies.pivot_table(index="supply_id", columns="year", values="draw_mw", aggfunc="sum", fill_value=0.0)
    table = table[(table > 0).any(axis=1)]
    table.columns = [str(c) for c in table.columns]
    return table.reset_index().rename(columns={"supply_id": "MW drawn"})


def _access_table(plan: Plan) -> pd.DataFrame:
    """Each campus's power per year: facility, firm grid, draw, on-site, non-firm, what feeds it and its delivered price."""
    access = plan.access
    if access.empty:
        return pd.DataFrame()
    names = {
        "site_id": "campus",
        "year": "year",
        "facility_mw": "facility MW (peak)",
        "grid_firm_mw": "grid firm MW",
        "grid_draw_mw": "grid draw MW (peak)",
        "onsite_mw": "on-site MW",
        "nonfirm_mw": "non-firm MW",
        "price_usd_per_mwh": "USD/MWh delivered",
        "sources": "fed by (average MW)",
    }
    return access[list(names)].rename(columns=names)


def _duals_table(plan: Plan) -> pd.DataFrame:
    if plan.duals is None:
        return pd.DataFrame()
    duals = plan.duals[plan.duals["constraint"].isin(["power_ceiling", "demand"])]
    return duals[["constraint", "entity", "year", "value", "unit"]]


PLAN_TABLES: dict[str, Callable[[Plan], pd.DataFrame]] = {
    "Power and compute per year": _power_table,
    "Sites opened": _sites_table,
    "Chip units installed": _chips_table,
    "Costs by category": _costs_table,
    "Grid links (final year)": _links_table,
    "Supplies drawn": _supplies_table,
    "Power access per campus": _access_table,
    "Shadow prices of the ceiling and demand": _duals_table,
}

CHART_TITLES = {
    "power": "Power against the ceiling",
    "capacity": "Compute by chip generation",
    "chips": "Chips installed",
    "costs": "Costs",
    "serving": "Compute delivered per region",
    "map": "Map",
}


# -- page assembly ------------------------------------------------------------------------------
def _yearly_power(runs: pd.DataFrame, power: pd.DataFrame | None) -> go.Figure | None:
    """Facility MW per year, one line per run."""
    if power is not None and len(power):
        table = power.pivot_table(index="run_id", columns="year", values="facility_mw", aggfunc="sum")
    else:
        cols = [c for c in runs.columns if c.startswith("mw_") and c[3:].isdigit()]
        if not cols or "run_id" not in runs.columns:
            return None
        table = runs.set_index("run_id")[cols].rename(columns=lambda c: int(c[3:]))
    table = table.dropna(how="all")
    if table.empty:
        return None
    labels = _run_labels(runs)
    years = [int(y) for y in table.columns]
    fig = figure("Facility power per year by run", y_title="facility power (MW)")
    for run_id, row in table.iterrows():
        name = labels.get(run_id, str(run_id))
        fig.add_trace(go.Scatter(x=years, y=row.to_numpy(dtype=float), mode="lines+markers", name=name))
    year_axis(fig, years)
    return fig


def _run_labels(runs: pd.DataFrame) -> dict:
    """run_id -> a legend label: the run's ``label`` column, else its swept values, else its id."""
    if "run_id" not in runs.columns:
        return {}
    if "label" in runs.columns:
        return dict(zip(runs["run_id"], runs["label"].fillna(runs["run_id"]), strict=True))
    keys = swept_columns(runs)
    return {r["run_id"]: ", ".join(f"{k}={r[k]}" for k in keys) or str(r["run_id"]) for _, r in runs.iterrows()}


def _chart_title(name: str) -> str:
    if name in CHART_TITLES:
        return CHART_TITLES[name]
    if "-vs-" in name:
        y, x = name.split("-vs-")
        return f"{sweeps.axis(y)[1].split(' (')[0].capitalize()} against {x}"
    return name.replace("-", " ").capitalize()


def _chart(name: str, fig: go.Figure) -> str:
    return f'<div class="chart" id="chart-{html.escape(name)}">{figure_html(fig)}</div>'


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return '<p class="note">(nothing)</p>'
    table = frame.to_html(index=False, classes="data", border=0, na_rep="", float_format=_two_places)
    return f'<div class="scroll">{table}</div>'  # a wide table scrolls inside the page instead of widening it


def _two_places(value: float) -> str:
    """Two decimals, solver round-off below them shown as 0.00 rather than -0.00."""
    return f"{0.0 if abs(value) < 0.005 else value:,.2f}"


def _num(value: float | None, factor: float, fmt: str) -> str:
    return "-" if value is None or pd.isna(value) else fmt.format(value * factor)


def _write(path: Path, title: str, intro: str, sections: list[tuple[str, str]], figures: list[go.Figure]) -> Path:
    anchors = [f"s{i}" for i in range(len(sections))]
    nav = "".join(f'<a href="#{a}">{html.escape(t)}</a>' for a, (t, _) in zip(anchors, sections, strict=True))
    body = "".join(f'<h2 id="{a}">{html.escape(t)}</h2>\n{content}\n' for a, (t, content) in zip(anchors, sections, strict=True))
    page = (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n{GENERATOR}\n<title>{html.escape(title)}</title>\n'
        f"<style>{STYLE}</style>\n{page_head(figures)}</head>\n<body>\n<h1>{html.escape(title)}</h1>\n{intro}\n<nav>{nav}</nav>\n{body}</body>\n</html>\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, path)  # whole or not at all
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


#: The tag that marks a page as a gigawatt report, so a later report may replace it.
GENERATOR = '<meta name="generator" content="gigawatt">'


def is_report_file(path: Path) -> bool:
    """Whether ``path`` is a regular file gigawatt wrote as a report: its generator tag, or an older report's title."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with open(path, "rb") as file:
            head = file.read(4096)
    except OSError:
        return False
    return GENERATOR.encode() in head or (head.startswith(b"<!DOCTYPE html>") and b"<title>gigawatt " in head)


def check_report_target(path: str | Path, *, overwrite: bool = False) -> Path:
    """The absolute file a report may be written to, or :class:`~gigawatt.errors.OutputRefused` saying why not.

    Free: a new file or an earlier report. With ``overwrite``, also any other file, except one in a
    scenario folder. A folder is always refused (name a file in it).
    """
    target = output_path(path)
    if target.is_dir() and not target.is_symlink():
        raise OutputRefused(path, "is a folder; name the report file, e.g. report.html inside it")
    if not (target.exists() or target.is_symlink()) or is_report_file(target):
        return target
    if (target.parent / "scenario.yaml").exists():
        raise OutputRefused(path, "is a file in a scenario folder; reports never replace a scenario's files")
    if not overwrite:
        raise OutputRefused(path, "exists and is not a gigawatt report; pick a new file, or use --force to replace it")
    return target
