"""Turn a solution vector into the Plan's tables (see :mod:`gigawatt.plan.tables`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gigawatt.model.compile import CompiledModel
from gigawatt.model.data import ModelData
from gigawatt.model.ledger import Ledger
from gigawatt.model.objective import OBJECTIVE_SCALE_USD

INT_TOL = 1e-6


def _frame(values: dict, names: list[str], value: str) -> pd.DataFrame:
    if not values:
        return pd.DataFrame(columns=[*names, value])
    index = pd.MultiIndex.from_tuples(list(values), names=names)
    frame = pd.DataFrame({value: np.fromiter(values.values(), dtype=float, count=len(values))}, index=index).reset_index()
    frame[value] = frame[value].where(frame[value].abs() > 1e-9, 0.0)
    return frame


def _rounded(series: pd.Series) -> pd.Series:
    return np.round(series).astype("int64")


def extract_tables(
    cm: CompiledModel, d: ModelData, ledger: Ledger, x: np.ndarray, integer_units: bool = True, relaxed: bool = False
) -> dict[str, pd.DataFrame]:
    """Plan tables from solution ``x`` of compiled model ``cm`` built on data ``d`` with ``ledger``.

    Integer decisions are rounded to whole numbers, except in a ``relaxed`` (LP) solution, whose
    fractional openings, blocks and builds are kept as they are. Values the solver left outside their
    bounds by its tolerance (a draw of -1e-7 MW) are read at the bound.
    """
    x = np.clip(x, cm.form.col_lower, cm.form.col_upper)
    st = d.scenario.settings
    sites_in, chips_in = d.sites, d.chips

    sites = _frame(cm.values(x, "v_open"), ["site_id", "year"], "open")
    blocks = _frame(cm.values(x, "v_blocks"), ["site_id", "year"], "blocks")
    sites = sites.merge(blocks, on=["site_id", "year"], how="outer") if len(sites) else blocks
    if not relaxed:
        sites["open"] = sites["open"].round().astype(bool)
        sites["blocks"] = _rounded(sites["blocks"])
    sites.insert(1, "node_id", sites["site_id"].map(sites_in["node_id"]))
    sites["capacity_mw"] = sites["blocks"] * sites["site_id"].map(sites_in["block_mw"]).astype(float)

    installs = _frame(cm.values(x, "v_install"), ["chip_id", "site_id", "year"], "installed_units")
    if integer_units:
        installs["installed_units"] = _rounded(installs["installed_units"])
    life = installs["chip_id"].map(chips_in["lifetime_years"]).astype(float)
    rows = []
    for year in d.years:
        live = (installs["year"] <= year) & (year < installs["year"] + life)
        active = installs[live].groupby(["chip_id", "site_id"], as_index=False)["installed_units"].sum()
        active = active.rename(columns={"installed_units": "active_units"})
        active["year"] = year
        rows.append(active)
    active = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["chip_id", "site_id", "active_units", "year"])
    chips = installs.merge(active, on=["chip_id", "site_id", "year"], how="outer").fillna({"installed_units": 0, "active_units": 0})
    chips = chips[(chips["installed_units"] > 0) | (chips["active_units"] > 0)].copy()
    if integer_units:
        chips[["installed_units", "active_units"]] = chips[["installed_units", "active_units"]].astype("int64")
    chips["it_mw"] = chips["active_units"] * chips["chip_id"].map(chips_in["it_kw_per_unit"]).astype(float) / 1000.0
    chips["facility_mw"] = chips["it_mw"] * chips["site_id"].map(sites_in["pue"]).astype(float)
    chips["eflops"] = chips["active_units"] * chips["chip_id"].map(chips_in["pflops_per_unit"]).astype(float) / 1000.0
    chips = chips.sort_values(["chip_id", "site_id", "year"]).reset_index(drop=True)

    by_site = chips.groupby(["site_id", "year"])[["facility_mw", "it_mw"]].sum()
    sites = sites.join(by_site, on=["site_id", "year"]).fillna({"facility_mw": 0.0, "it_mw": 0.0})
    sites = sites.sort_values(["site_id", "year"]).reset_index(drop=True)

    links = _link_table(cm, d, x, relaxed)
    supplies = _supply_table(cm, d, x)
    serving = _frame(cm.values(x, "v_serve"), ["region_id", "site_id", "year"], "eflops")
    serving = serving[serving["eflops"] > 0].sort_values(["region_id", "site_id", "year"]).reset_index(drop=True)

    costs = pd.DataFrame(
        [(k, y, cm.linear_value(terms, x)) for (k, y), terms in sorted(ledger.cost_usd.items())],
        columns=["category", "year", "discounted_usd"],
    )
    power = sites.groupby("year")[["facility_mw", "it_mw"]].sum().reindex(d.years, fill_value=0.0).rename_axis("year").reset_index()
    power["ceiling_mw"] = st.ceiling_mw
    power["headroom_mw"] = power["ceiling_mw"] - power["facility_mw"]
    tables = {"sites": sites, "chips": chips, "links": links, "supplies": supplies, "serving": serving, "costs": costs, "power": power}
    return {name: _normalise(frame, integer_units, relaxed) for name, frame in tables.items()}


def _normalise(frame: pd.DataFrame, integer_units: bool, relaxed: bool) -> pd.DataFrame:
    """Consistent dtypes: ids and categories as text, years and counts as int64, flags as bool, else float64."""
    out = frame.copy()
    for col in out.columns:
        if col.endswith("_id") or col == "category":
            out[col] = out[col].astype(str)
        elif col == "year" or (col == "blocks" and not relaxed) or (col.endswith("_units") and integer_units):
            out[col] = out[col].astype("int64")
        elif col in ("open", "built") and not relaxed:
            out[col] = out[col].astype(bool)
        else:
            out[col] = out[col].astype("float64")
    return out.reset_index(drop=True)


def _link_table(cm: CompiledModel, d: ModelData, x: np.ndarray, relaxed: bool) -> pd.DataFrame:
    cols = list(("link_id", "year", "expansion_mw", "built", "capacity_mw", "flow_fwd_mw", "flow_bwd_mw", "loss_mw"))
    if d.links.empty:
        return pd.DataFrame(columns=cols)
    flow = _frame(cm.values(x, "v_flow"), ["link_id", "year", "dir"], "mw")
    flow = flow.pivot_table(index=["link_id", "year"], columns="dir", values="mw", aggfunc="sum").reset_index()
    flow = flow.rename(columns={"fwd": "flow_fwd_mw", "bwd": "flow_bwd_mw"})
    expand = _frame(cm.values(x, "v_expand"), ["link_id", "year"], "expansion_mw")
    built = _frame(cm.values(x, "v_link_built"), ["link_id", "year"], "built")
    links = flow.merge(expand, on=["link_id", "year"], how="left").merge(built, on=["link_id", "year"], how="left")
    links = links.fillna({"expansion_mw": 0.0, "built": 0.0})
    if not relaxed:
        links["built"] = links["built"].round().astype(bool)
    links["capacity_mw"] = links["link_id"].map(d.links["capacity_mw"]).astype(float) + links["expansion_mw"]
    links["loss_mw"] = links["link_id"].map(d.links["loss_frac"]).astype(float) * (links["flow_fwd_mw"] + links["flow_bwd_mw"])
    return links[cols].sort_values(["link_id", "year"]).reset_index(drop=True)


def _supply_table(cm: CompiledModel, d: ModelData, x: np.ndarray) -> pd.DataFrame:
    st = d.scenario.settings
    draw = _frame(cm.values(x, "v_draw"), ["supply_id", "year"], "draw_mw")
    contracted = _frame(cm.values(x, "v_contracted"), ["supply_id", "year"], "available_mw")
    supplies = draw.merge(contracted, on=["supply_id", "year"], how="left")
    supplies["available_mw"] = supplies["available_mw"].fillna(supplies["supply_id"].map(d.supplies["capacity_mw"]).astype(float))
    supplies.insert(1, "node_id", supplies["supply_id"].map(d.supplies["node_id"]))
    supplies["energy_mwh"] = supplies["draw_mw"] * st.hours_per_year * st.load_factor
    supplies["co2_t"] = supplies["energy_mwh"] * supplies["supply_id"].map(d.supplies["co2_t_per_mwh"]).astype(float)
    cols = ["supply_id", "node_id", "year", "available_mw", "draw_mw", "energy_mwh", "co2_t"]
    return supplies[cols].sort_values(["supply_id", "year"]).reset_index(drop=True)


def objective_usd(value: float | None) -> float | None:
    """Solver objective (million USD) in USD."""
    return None if value is None else value * OBJECTIVE_SCALE_USD
