"""Independent second opinion on a plan: every constraint re-derived from the scenario and the plan's tables.

Nothing here is shared with the model (no import of :mod:`gigawatt.model`, :mod:`gigawatt.solvers` or
Pyomo): the rules are re-implemented from the scenario format (:mod:`gigawatt.scenario`) and the table
contract (the plain data of :data:`gigawatt.plan.tables.PLAN_TABLES`, handed in as ``columns``), so a
bug on either side shows up as a
:class:`Violation` naming the constraint, the entity ("site s1", "link l1", "node A", "region east",
"all sites", "cost energy", ...) and the year.

Each ``_check_*`` function covers one family: it builds a frame per entity and year holding the plan's
values, the scenario's parameters and the derived bounds, then applies a table of :class:`Rule`
(``"lhs <= rhs"``, ``>=`` or ``==`` on its columns). :func:`verify` concatenates the families:

* shape: ``table_shape``, ``nan_value``, ``negative_value``, ``missing_row``, ``unknown_key``;
* sites: ``site_earliest_year``, ``site_open_monotone``, ``site_blocks_monotone``, ``site_blocks_integer``,
  ``site_max_blocks``, ``site_blocks_open``, ``site_capacity_mw``, ``site_capacity``, ``site_facility_mw``,
  ``site_it_mw``, ``site_node``, ``site_ramp`` and ``national_ramp`` (capacity added within the ramps);
* chips: ``chip_sale_window``, ``chip_cooling``, ``chip_site_earliest_year``, ``chip_units_integer``,
  ``chip_active_units``, ``chip_supply``, ``chip_it_mw``, ``chip_facility_mw``, ``chip_eflops``;
* retirement: ``retire_window``, ``retire_monotone``, ``retire_installed``, ``retire_integer``, ``chip_retired_units``
  (salvage is a cost, ``chip_salvage``);
* interconnection: ``interconnection`` (a listed site's grid draw, its facility power less its on-site generation,
  within the firm MW of its tranches taken by then plus the non-firm MW it uses), ``interconnection_earliest_year``,
  ``interconnection_monotone``, ``interconnection_site``, ``interconnection_firm_mw`` (from earliest_year),
  ``interconnection_nonfirm`` (within nonfirm_mw when taken, from nonfirm_earliest_year), ``nonfirm_cap`` (per node),
  ``interconnection_site_firm_mw``, ``interconnection_grid_draw_mw``, ``interconnection_capital_usd`` (the capital is a
  cost, ``interconnection``);
* on-site: ``onsite_earliest_year``, ``onsite_monotone``, ``onsite_retired_monotone``, ``onsite_mwh_monotone``,
  ``onsite_retired``, ``onsite_max``, ``onsite_units``, ``onsite_units_integer``, ``onsite_available`` (generation and
  cover within availability x capacity in service), ``onsite_kind``, ``onsite_battery_energy``, ``onsite_behind_meter``
  and the cost and CO2 columns (costs ``onsite_capex``, ``onsite_fixed_om``, ``onsite_energy``, ``onsite_carbon``;
  generation lowers the node's withdrawal and CO2 counts toward the emission cap);
* curtailment: ``curtailment_nonfirm_mw``, ``curtailment_curtailed_mwh``, ``curtailment_covered_mwh``,
  ``curtailment_balance``, ``curtailment_lost_usd`` (the cost ``lost_compute``);
* power: ``power_ceiling`` and the power table (``power_facility_mw``, ``power_it_mw``, ``power_ceiling_mw``,
  ``power_headroom_mw``);
* grid: ``supply_*`` (draw, capacity, contract_monotone, earliest_year, energy_mwh, co2_t, node, site, paid, min_take),
  ``dedicated_supply`` (a site's dedicated supplies draw at most its grid energy: ``it_mw`` x the annual ``pue``
  less on-site supply), ``link_*``
  (capacity, capacity_mw, loss_mw, expansion_max, expansion_monotone, earliest_year, built, built_monotone),
  ``node_balance`` (in annual-average MW: the sites draw ``it_mw`` x the annual ``pue``; their ``facility_mw``
  is the peak, ``it_mw`` x ``pue_peak``, what capacity and the ceiling hold);
* serving: ``serving_pair``, ``serving_open``, ``site_compute``, ``demand``;
* serving also checks the unserved table: ``unserved_strict`` (demand without a value is served in full),
  ``unserved_max`` (no more unserved than demanded), ``unknown_key`` (a workload or region-year it cannot name);
  the unserved compute is a cost, ``unserved_inference`` (its value x EFLOP/s x the year's discounted weight);
* policies: ``budget``, ``emissions_cap``; costs: ``cost`` (per category and year), ``objective`` (with
  ``objective: compute`` the forgone value plus ``COMPUTE_COST_WEIGHT`` x the rest), ``total_budget`` (the rest within ``budget_usd``).

Costs (USD, present value at the first modelled year ``Y0``): calendar year ``k`` is discounted by
``(1 + r)^-(k - Y0)``; a modelled year ``y`` stands for ``w_y`` calendar years (``Settings.year_weights``),
so yearly costs are multiplied by ``sum_{k=y}^{y+w_y-1} (1 + r)^-(k - Y0)``. Capital built in ``y`` with a
life of ``L`` years is paid as an annuity ``CRF = r / ((1 + r)(1 - (1 + r)^-L))`` (``1/L`` when ``r = 0``),
due at the start of each year so that a whole life discounts to exactly 1 USD in ``y``, over the years
``y .. min(y + L - 1, through)`` it serves: sites, supplies and links stand to the horizon's end
(``through`` = end); a chip vintage installed in ``v`` is active in the modelled years ``y >= v`` whose
whole span lies inside its life (``y + w_y <= v + L``), and ``through`` is the last calendar year of
those (:func:`service_end`), so chips pay for exactly the calendar years they are counted. "New"
capital is the value in a year minus the entity's previous row.

Tolerances: a value breaks its bound when it exceeds it by more than ``atol + rtol * max(1, |bound|)``
(``strict``: definitions of table columns, integrality, single values); sums and balances of values
the solver computed in floating point use ``loose`` (at least 1e-5 relative and 1e-5 absolute);
costs use ``rtol`` relative plus 1 USD absolute, and the solver's objective (its own sum, in million USD, of values
feasible to about 1e-6) the loose absolute tolerance in those units, 10 USD. An error of 0.1 % in any one value is
caught.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import minimum_spanning_tree

from gigawatt.scenario import TABLES, Scenario, Settings
from gigawatt.scenario.schema import RTT_MS_PER_KM
from gigawatt.scenario.settings import COMPUTE_COST_WEIGHT

EARTH_RADIUS_KM = 6371.0
ANY_FAMILY = "*"  # a training run that mixes every family: compute of any family
LOOSE_RTOL = 1e-5  # sums and balances of solver values: relative ...
LOOSE_ATOL = 1e-5  # ... and absolute (in the row's unit)
COST_ATOL_USD = 1.0
#: The solver's objective against the cost recomputed from the plan: :data:`LOOSE_ATOL` in the solver's million USD.
OBJECTIVE_ATOL_USD = LOOSE_ATOL * 1e6
KW_PER_MW = 1000.0
INF = np.inf

#: Key columns (besides ``year``) and entity wording of every plan table.
KEYS: dict[str, tuple[str, ...]] = {
    "sites": ("site_id",),
    "chips": ("chip_id", "site_id"),
    "links": ("link_id",),
    "supplies": ("supply_id",),
    "serving": ("region_id", "site_id"),
    "costs": ("category",),
    "power": (),
    "retirements": ("chip_id", "site_id", "vintage"),
    "interconnection": ("tranche_id",),
    "onsite": ("site_id", "tech_id"),
    "curtailment": ("site_id",),
    "unserved": ("workload", "id"),
    "training": ("run_id", "site_id", "family"),
    "placements": ("run_id",),
}
ENTITY: dict[str, str] = {
    "sites": "site {site_id}",
    "chips": "chip {chip_id} at site {site_id}",
    "links": "link {link_id}",
    "supplies": "supply {supply_id}",
    "serving": "region {region_id} from site {site_id}",
    "costs": "cost {category}",
    "power": "all sites",
    "retirements": "chip {chip_id} of {vintage} at site {site_id}",
    "interconnection": "tranche {tranche_id} at site {site_id}",
    "onsite": "on-site {tech_id} at site {site_id}",
    "curtailment": "site {site_id}",
    "unserved": "{workload} {id}",
    "training": "training run {run_id} at site {site_id}",
    "placements": "training run {run_id}",
}
FLAGS = ("open", "built", "taken", "placed")  # boolean plan columns
TEXT = ("category", "kind", "workload", "id", "family", "sites")  # text plan columns besides the ids
#: Workloads the unserved table may name, and the cost categories holding the value of compute not delivered.
WORKLOADS = ("inference", "training")
FORGONE = ("unserved_inference", "unplaced_training")
#: Numeric plan columns that may be negative (costs: salvage, the capital of what a cumulative build gives back).
SIGNED = ("headroom_mw", "discounted_usd", "cash_usd", "cash_discounted_usd", "annualised_usd", "annualised_discounted_usd")
#: Plan id columns and the scenario table whose ids they must name.
REFERENCES: dict[str, dict[str, str]] = {
    "sites": {"site_id": "sites"},
    "chips": {"chip_id": "chips", "site_id": "sites"},
    "links": {"link_id": "links"},
    "supplies": {"supply_id": "supplies"},
    "serving": {"region_id": "demand", "site_id": "sites"},
    "retirements": {"chip_id": "chips", "site_id": "sites"},
    "interconnection": {"tranche_id": "interconnection", "site_id": "sites"},
    "onsite": {"site_id": "sites", "tech_id": "generators"},
    "curtailment": {"site_id": "sites"},
    "training": {"run_id": "training_runs", "site_id": "sites"},
    "placements": {"run_id": "training_runs"},
}
SCENARIO_IDS = {
    "sites": "site_id",
    "chips": "chip_id",
    "links": "link_id",
    "supplies": "supply_id",
    "demand": "region_id",
    "interconnection": "tranche_id",
    "generators": "tech_id",
    "training_runs": "run_id",
}
#: Plan tables with one row per entity and modelled year from the entity's earliest_year, and the fill for a missing row.
COMPLETE: dict[str, dict[str, object]] = {
    "sites": {"open": False, "blocks": 0.0, "capacity_mw": 0.0, "facility_mw": 0.0, "it_mw": 0.0},
    "supplies": {"site_id": "", "available_mw": 0.0, "draw_mw": 0.0, "paid_mw": 0.0, "energy_mwh": 0.0, "co2_t": 0.0},
    "links": {"expansion_mw": 0.0, "built": False, "capacity_mw": 0.0, "flow_fwd_mw": 0.0, "flow_bwd_mw": 0.0, "loss_mw": 0.0},
    "interconnection": {
        "taken": False,
        "firm_mw": 0.0,
        "nonfirm_mw": 0.0,
        "site_firm_mw": 0.0,
        "grid_draw_mw": 0.0,
        "capital_usd": 0.0,
    },
}


@dataclass(frozen=True)
class Violation:
    """One broken rule: which constraint, for which entity and year, by how much (in ``unit``)."""

    constraint: str
    entity: str
    year: int | None
    amount: float
    unit: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Tol:
    """A bound ``b`` is broken when exceeded by more than ``atol + rtol * max(1, |b|)``."""

    rtol: float
    atol: float

    def limit(self, scale: pd.Series) -> pd.Series:
        return self.atol + self.rtol * np.maximum(1.0, scale.abs())


@dataclass(frozen=True)
class Rule:
    """``"lhs <= rhs"`` (or ``>=``, ``==``) on columns of a check's frame; ``text`` says what breaks (a template over the row)."""

    constraint: str
    expression: str
    unit: str
    text: str
    loose: bool = False  # a sum or balance of solver values: use the loose tolerance
    scale: str | None = None  # column scaling the tolerance (default: the right-hand side)
    detail: bool = True  # append both sides' values to the message (off when ``text`` has the numbers)

    @property
    def terms(self) -> tuple[str, str, str]:
        lhs, sense, rhs = self.expression.split()
        return lhs, sense, rhs


@dataclass
class Context:
    """What every check reads: the scenario, the normalised plan tables and the tolerances."""

    scenario: Scenario
    plan: dict[str, pd.DataFrame]
    strict: Tol
    loose: Tol
    cost: Tol
    integer_units: bool

    @property
    def settings(self) -> Settings:
        return self.scenario.settings

    def scn(self, name: str) -> pd.DataFrame:
        """Scenario table ``name`` (empty, with the schema's columns, when the scenario has none)."""
        table = self.scenario.tables.get(name)
        return table if table is not None else pd.DataFrame(columns=list(TABLES[name].column_names))

    def apply(self, frame: pd.DataFrame, entity: str, rules: tuple[Rule, ...]) -> list[Violation]:
        """Violations of ``rules`` by the rows of ``frame``."""
        return [v for rule in rules for v in _compare(frame, rule, self._tolerance(rule), entity)]

    def _tolerance(self, rule: Rule) -> Tol:
        """``loose`` or ``strict``; in USD at least the cost tolerance's 1 USD (capex x a solver's 1e-12 MW is no error)."""
        tol = self.loose if rule.loose else self.strict
        return Tol(tol.rtol, max(tol.atol, self.cost.atol)) if rule.unit == "USD" else tol


# -- helpers ----------------------------------------------------------------------------------------


def _emit(frame: pd.DataFrame, mask: pd.Series, amount: pd.Series, constraint: str, unit: str, entity: str, text: str) -> list[Violation]:
    """A :class:`Violation` per row of ``frame`` where ``mask``; ``entity`` and ``text`` are format templates over the row."""
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return []
    out = []
    per = "" if unit in ("", "-") else f" {unit}"
    for record in frame.loc[mask].assign(_amount=amount[mask]).to_dict("records"):
        row = {k: v + 0.0 if isinstance(v, float) else v for k, v in record.items()}  # no "-0" in messages
        year = None if pd.isna(row.get("year")) else int(row["year"])
        who = entity.format_map(row)
        when = "" if year is None else f" in {year}"
        message = f"{who}{when}: {text.format_map(row)} (off by {row['_amount']:.6g}{per})."
        out.append(Violation(constraint, who, year, float(row["_amount"]), unit, message))
    return out


BROKEN = {"<=": ">", ">=": "<", "==": "!="}


def _compare(frame: pd.DataFrame, rule: Rule, tol: Tol, entity: str) -> list[Violation]:
    """Rows of ``frame`` breaking ``rule`` by more than ``tol`` (scaled by ``rule.scale`` or the right-hand side)."""
    if frame.empty:
        return []
    lhs, sense, rhs = rule.terms
    left, right = frame[lhs].astype(float), frame[rhs].astype(float)
    gap = {"<=": left - right, ">=": right - left, "==": (left - right).abs()}[sense]
    limit = tol.limit(frame[rule.scale or rhs].astype(float))
    message = f"{rule.text}: {lhs} {{{lhs}:.9g}} {BROKEN[sense]} {rhs} {{{rhs}:.9g}}" if rule.detail else rule.text
    return _emit(frame, gap > limit, gap, rule.constraint, rule.unit, entity, message)


def _previous(frame: pd.DataFrame, keys: tuple[str, ...], columns: list[str]) -> pd.DataFrame:
    """``frame`` sorted by keys and year, with ``prev_<column>``: the entity's value in its previous row (0 before the first)."""
    frame = frame.sort_values([*keys, "year"]).reset_index(drop=True)
    prev = frame.groupby(list(keys), sort=False)[columns].shift(1).astype(float).fillna(0.0)
    return frame.assign(**{f"prev_{c}": prev[c] for c in columns})


def _names(mask: pd.DataFrame) -> pd.Series:
    """Per row, the names of the columns where ``mask`` is true, comma separated."""
    if mask.shape[1] == 0:
        return pd.Series("", index=mask.index)
    return mask.dot(mask.columns + ", ").str.removesuffix(", ")


def _limit(ok: pd.Series) -> np.ndarray:
    """Upper bound that is infinite where ``ok`` and 0 elsewhere (a quantity allowed only where ``ok``)."""
    return np.where(ok.fillna(False).astype(bool), INF, 0.0)


def _discount_sum(st: Settings, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Sum of discount factors ``(1 + r)^-(k - first modelled year)`` over calendar years ``k`` in ``start..stop``."""
    start, stop = np.asarray(start, dtype=float), np.asarray(stop, dtype=float)
    count = np.maximum(stop - start + 1.0, 0.0)
    if st.discount_rate == 0:
        return count
    log_growth = np.log1p(st.discount_rate)  # d = 1 / (1 + r) = exp(-log_growth); expm1 keeps 1 - d^n exact where 1 + r rounds to 1
    return np.exp(-log_growth * (start - st.years[0])) * np.expm1(-log_growth * count) / np.expm1(-log_growth)


def op_weight(st: Settings, years: pd.Series) -> np.ndarray:
    """Discounted calendar years each modelled year stands for (multiplies yearly costs)."""
    start = years.to_numpy(dtype=float)
    return _discount_sum(st, start, start + years.map(st.year_weights).to_numpy(dtype=float) - 1)


def in_service(st: Settings, vintages: pd.Series, years: pd.Series, lives: pd.Series) -> pd.Series:
    """Whether units installed at the start of modelled year ``vintages`` are active in modelled ``years``: the whole
    span of the year (``year .. year + w_year - 1``) lies inside the life ``vintage .. vintage + life - 1``."""
    return (vintages <= years) & (years + years.map(st.year_weights) <= vintages + lives)


def service_end(st: Settings, vintages: pd.Series, lives: pd.Series) -> np.ndarray:
    """Last calendar year of the modelled years each vintage is active in (:func:`in_service`); the year before the
    vintage where it is active in none (a life shorter than its first period)."""
    starts = np.asarray(st.years, dtype=float)[None, :]
    ends = starts + np.asarray([st.year_weights[y] for y in st.years], dtype=float)[None, :] - 1
    v, life = vintages.to_numpy(dtype=float)[:, None], lives.to_numpy(dtype=float)[:, None]
    active = (starts >= v) & (ends <= v + life - 1)
    return np.where(active, ends, v - 1).max(axis=1)


def construction_years(st: Settings, years: pd.Series) -> np.ndarray:
    """Calendar years of construction leading to each modelled year: since the previous modelled year, 1 for the first."""
    before = years.map(dict(zip(st.years[1:], st.years[:-1], strict=True)))
    return (years - before.fillna(years - 1)).to_numpy(dtype=float)


def horizon_end(st: Settings) -> int:
    """Last calendar year inside the horizon: the last modelled year and the years it stands for."""
    return st.years[-1] + st.year_weights[st.years[-1]] - 1


def annuity_weight(st: Settings, years: pd.Series, lives: pd.Series, through: np.ndarray) -> np.ndarray:
    """Discounted cost per USD of capital built in ``years`` with ``lives`` (years): the annuity paid for the calendar
    years of its life up to ``through``, the last one it serves."""
    rate = st.discount_rate
    life = lives.to_numpy(dtype=float)
    # paid at the start of each year; 1 - (1 + r)^-L via expm1/log1p stays exact where 1 + r rounds to 1
    crf = 1.0 / life if rate == 0 else rate / ((1.0 + rate) * -np.expm1(-life * np.log1p(rate)))
    start = years.to_numpy(dtype=float)
    return crf * _discount_sum(st, start, np.minimum(start + life - 1, np.asarray(through, dtype=float)))


def great_circle_km(lat1: pd.Series, lon1: pd.Series, lat2: pd.Series, lon2: pd.Series) -> np.ndarray:
    """Haversine distance (km, R = 6371 km) between points in degrees."""
    p1, p2 = np.radians(lat1.astype(float)), np.radians(lat2.astype(float))
    dl = np.radians(lon2.astype(float)) - np.radians(lon1.astype(float))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


# -- table shape ------------------------------------------------------------------------------------


def _check_shape(tables: Mapping[str, pd.DataFrame], contract: Mapping[str, Sequence[str]]) -> list[Violation]:
    """Every plan table of the contract present with all its columns (nothing else can be checked otherwise)."""
    out = []
    for name, columns in contract.items():
        missing = list(columns) if name not in tables else [c for c in columns if c not in tables[name].columns]
        if missing:
            what = "table is missing" if name not in tables else f"missing columns {', '.join(missing)}"
            text = f"table {name}: {what} (off by {len(missing)} columns)."
            out.append(Violation("table_shape", f"table {name}", None, float(len(missing)), "columns", text))
    return out


def _normalise(ctx: Context, tables: Mapping[str, pd.DataFrame], contract: Mapping[str, Sequence[str]]) -> list[Violation]:
    """Copy the plan tables into ``ctx.plan`` with clean dtypes; report NaN, negative, duplicate and unknown rows (the last two dropped)."""
    out: list[Violation] = []
    known = {name: set(ctx.scn(name)[col]) for name, col in SCENARIO_IDS.items()}
    for name, columns in contract.items():
        yearly = "year" in columns  # placements: one row per run, no year
        keys, entity = [*KEYS[name], "year"] if yearly else list(KEYS[name]), ENTITY[name]
        frame = tables[name][list(columns)].copy()
        values = [c for c in columns if not c.endswith("_id") and c not in TEXT and c not in FLAGS]
        frame[values] = frame[values].apply(pd.to_numeric, errors="coerce").astype(float)
        empty = frame.isna()
        amount = empty.sum(axis=1).astype(float)
        out += _emit(frame.assign(_cols=_names(empty)), empty.any(axis=1), amount, "nan_value", "cells", entity, "empty values in {_cols}")
        frame = frame[frame[keys].notna().all(axis=1)]
        frame = frame.astype({"year": int}) if yearly else frame
        frame[[c for c in FLAGS if c in columns]] = frame[[c for c in FLAGS if c in columns]].fillna(False).astype(bool)
        quantities = [c for c in values if c not in SIGNED and c != "year"]
        negative = frame[quantities].lt(-ctx.strict.atol)
        out += _emit(
            frame.assign(_cols=_names(negative)),
            negative.any(axis=1),
            -frame[quantities].min(axis=1) if quantities else pd.Series(0.0, index=frame.index),
            "negative_value",
            "",
            entity,
            "negative values in {_cols}",
        )
        dup = frame.duplicated(keys, keep="first")
        out += _emit(frame, dup, dup.astype(float), "table_shape", "rows", entity, f"duplicate row in table {name}")
        unknown = ~frame["year"].isin(ctx.settings.years) if yearly else pd.Series(False, index=frame.index)
        for col, table in REFERENCES.get(name, {}).items():
            unknown |= ~frame[col].isin(known[table])
        lacks = f"row of table {name} names an entity or year the scenario lacks"
        out += _emit(frame, unknown, unknown.astype(float), "unknown_key", "rows", entity, lacks)
        ctx.plan[name] = frame[~dup & ~unknown].reset_index(drop=True)
    return out


def _complete(ctx: Context) -> list[Violation]:
    """Report missing rows of the per-entity-year tables and of power; fill them in ``ctx.plan`` (zeros, not open, not built)."""
    out = []
    years = pd.DataFrame({"year": ctx.settings.years})
    for name, fill in COMPLETE.items():
        key, scn = KEYS[name][0], ctx.scn(name)
        expected = scn[[key]].assign(_first=_first_years(ctx, name)).merge(years, how="cross")
        expected = expected.loc[expected["year"] >= expected["_first"], [key, "year"]]
        frame = ctx.plan[name].merge(expected, on=[key, "year"], how="outer", indicator=True)
        missing = frame["_merge"] == "right_only"
        out += _emit(frame, missing, missing.astype(float), "missing_row", "rows", ENTITY[name], f"no row in table {name}")
        for column in ("node_id", "site_id"):
            if column != key and column in frame:
                frame[column] = frame[column].fillna(frame[key].map(scn.set_index(key)[column]))
        ctx.plan[name] = frame.drop(columns="_merge").fillna(fill).infer_objects()
    power = ctx.plan["power"].merge(years, on="year", how="right", indicator=True)
    missing = power["_merge"] == "right_only"
    out += _emit(power, missing, missing.astype(float), "missing_row", "rows", ENTITY["power"], "no row in table power")
    ctx.plan["power"] = power.drop(columns="_merge").fillna(0.0)
    return out


def _first_years(ctx: Context, name: str) -> np.ndarray:
    """First modelled year of each row of scenario table ``name``: its ``earliest_year``; a tranche offering non-firm MW
    from an earlier ``nonfirm_earliest_year`` from that year."""
    scn = ctx.scn(name)
    first = scn["earliest_year"].astype(int).to_numpy()
    if name == "interconnection":
        first = np.where(scn["nonfirm_mw"] > 0, np.minimum(first, ctx.scenario.nonfirm_earliest_year().to_numpy()), first)
    return first


# -- frames: plan rows joined with their scenario parameters ----------------------------------------


def _site_frame(ctx: Context) -> pd.DataFrame:
    """Plan sites with the scenario's site columns, ``max_blocks`` and previous-year ``open_f``/``blocks``."""
    scn = ctx.scn("sites").rename(columns={"node_id": "node", "cooling": "site_cooling", "lifetime_years": "site_life"})
    scn = scn.drop(columns=["lat", "lon", "source"], errors="ignore").assign(max_blocks=np.floor(scn["max_mw"] / scn["block_mw"] + 1e-9))
    frame = ctx.plan["sites"].merge(scn, on="site_id")
    return _previous(frame.assign(open_f=frame["open"].astype(float)), ("site_id",), ["open_f", "blocks"])


def _chip_frame(ctx: Context) -> pd.DataFrame:
    """Plan chip rows with the chip's scenario columns and the site's ``pue_peak``, ``site_cooling``, ``site_earliest``."""
    chips = (
        ctx.scn("chips").drop(columns="source", errors="ignore").rename(columns={"cooling": "chip_cooling", "lifetime_years": "chip_life"})
    )
    sites = ctx.scn("sites")[["site_id", "cooling", "earliest_year"]].join(ctx.scenario.pue_peak(), on="site_id")
    sites = sites.rename(columns={"cooling": "site_cooling", "earliest_year": "site_earliest"})
    return ctx.plan["chips"].merge(chips, on="chip_id").merge(sites, on="site_id")


def _supply_frame(ctx: Context) -> pd.DataFrame:
    """Plan supplies with the scenario's supply columns and the previous year's ``available_mw``."""
    scn = ctx.scn("supplies").drop(columns="source", errors="ignore")
    scn = scn.rename(columns={"node_id": "node", "site_id": "site", "capacity_mw": "supply_capacity_mw", "lifetime_years": "supply_life"})
    scn["site"] = scn["site"].fillna("")
    return _previous(ctx.plan["supplies"].merge(scn, on="supply_id"), ("supply_id",), ["available_mw"])


def _link_frame(ctx: Context) -> pd.DataFrame:
    """Plan links with the scenario's link columns and the previous year's ``expansion_mw``/``built_f``."""
    scn = (
        ctx.scn("links")
        .drop(columns="source", errors="ignore")
        .rename(columns={"capacity_mw": "link_capacity_mw", "lifetime_years": "link_life"})
    )
    numeric = [
        "link_capacity_mw",
        "expand_max_mw",
        "expand_cost_usd_per_mw",
        "build_cost_usd",
        "loss_frac",
        "wheeling_usd_per_mwh",
        "earliest_year",
        "link_life",
    ]
    frame = ctx.plan["links"].merge(scn.astype(dict.fromkeys(numeric, float)), on="link_id")
    return _previous(frame.assign(built_f=frame["built"].astype(float)), ("link_id",), ["expansion_mw", "built_f"])


def _tranche_frame(ctx: Context) -> pd.DataFrame:
    """Plan tranche rows with the scenario's tranche columns (``site``, ``tranche_firm_mw``, ``tranche_nonfirm_mw``,
    ``nonfirm_earliest_year`` filled, ``tranche_life``, ...) and the previous year's ``taken_f``."""
    scn = ctx.scn("interconnection").drop(columns="source", errors="ignore")
    scn = scn.assign(nonfirm_earliest_year=ctx.scenario.nonfirm_earliest_year().to_numpy())
    scn = scn.rename(
        columns={"site_id": "site", "firm_mw": "tranche_firm_mw", "nonfirm_mw": "tranche_nonfirm_mw", "lifetime_years": "tranche_life"}
    )
    numeric = [
        "tranche_firm_mw",
        "tranche_nonfirm_mw",
        "earliest_year",
        "nonfirm_earliest_year",
        "curtailment_frac",
        "cost_usd_per_mw",
        "fixed_cost_usd",
        "tranche_life",
    ]
    frame = ctx.plan["interconnection"].merge(scn.astype(dict.fromkeys(numeric, float)), on="tranche_id")
    return _previous(frame.assign(taken_f=frame["taken"].astype(float)), ("tranche_id",), ["taken_f"])


def serve_pairs(scenario: Scenario) -> pd.DataFrame:
    """Candidate (region, site) pairs with ``allowed``, ``cost_usd_per_eflops_yr``, ``latency_ms`` and ``max_latency_ms``.

    Without a regions table every demand region (``'all'``) may use every site at no cost. With one,
    the candidates are the pairs of serving.csv (every pair without it), allowed when their latency
    (given, or great-circle km x ``latency_route_factor`` x 0.0098 ms/km) is within the region's bound.
    """
    sites = scenario.tables["sites"][["site_id", "lat", "lon"]]
    if "regions" not in scenario.tables:
        regions = pd.DataFrame({"region_id": scenario.tables["demand"]["region_id"].unique()})
        pairs = regions.merge(sites[["site_id"]], how="cross")
        return pairs.assign(allowed=True, cost_usd_per_eflops_yr=0.0, latency_ms=0.0, max_latency_ms=INF)
    regions = scenario.tables["regions"][["region_id", "lat", "lon", "max_latency_ms"]]
    if "serving" in scenario.tables:
        pairs = scenario.tables["serving"][["region_id", "site_id", "cost_usd_per_eflops_yr", "latency_ms"]]
    else:
        pairs = regions[["region_id"]].merge(sites[["site_id"]], how="cross").assign(cost_usd_per_eflops_yr=0.0, latency_ms=np.nan)
    f = pairs.merge(regions, on="region_id").merge(sites, on="site_id", suffixes=("_region", "_site"))
    km = great_circle_km(f["lat_region"], f["lon_region"], f["lat_site"], f["lon_site"])
    given = pd.to_numeric(f["latency_ms"], errors="coerce")
    f["latency_ms"] = given.where(given.notna(), km * scenario.settings.latency_route_factor * RTT_MS_PER_KM)
    f["cost_usd_per_eflops_yr"] = pd.to_numeric(f["cost_usd_per_eflops_yr"], errors="coerce").fillna(0.0)
    f["allowed"] = f["latency_ms"] <= f["max_latency_ms"] * (1 + 1e-12)
    return f[["region_id", "site_id", "allowed", "cost_usd_per_eflops_yr", "latency_ms", "max_latency_ms"]]


# -- rule families ----------------------------------------------------------------------------------

SITE_RULES = (
    Rule("site_earliest_year", "earliest_year <= year_f", "years", "row before the site's earliest year {earliest_year}", detail=False),
    Rule("site_open_monotone", "prev_open_f <= open_f", "-", "open the year before, closed now", detail=False),
    Rule("site_blocks_monotone", "prev_blocks <= blocks", "blocks", "fewer blocks than the year before"),
    Rule("site_blocks_integer", "blocks == blocks_round", "blocks", "blocks not a whole number"),
    Rule("site_max_blocks", "blocks <= max_blocks", "blocks", "more blocks than floor(max_mw / block_mw)"),
    Rule("site_blocks_open", "blocks <= open_limit", "blocks", "{blocks:g} blocks at a site that is not open", detail=False),
    Rule("site_capacity_mw", "capacity_mw == blocks_mw", "MW", "capacity differs from blocks x block_mw {block_mw:g} MW"),
    Rule("site_capacity", "facility_mw <= capacity_mw", "MW", "facility power above built capacity", loose=True),
    Rule("site_facility_mw", "facility_mw == chips_facility_mw", "MW", "facility power differs from the sum over its chips"),
    Rule("site_it_mw", "it_mw == chips_it_mw", "MW", "IT power differs from the sum over its chips"),
    Rule("site_node", "node_ok == one", "-", "listed at node {node_id}, the scenario says {node}", detail=False),
    Rule(
        "site_ramp",
        "added_mw <= ramp_limit",
        "MW",
        "{added_mw:.6g} MW of capacity added, above ramp_mw_per_year {ramp_mw_per_year:g} x {step:g} years",
        loose=True,
        detail=False,
    ),
)
NATIONAL_RAMP_RULES = (
    Rule(
        "national_ramp",
        "added_mw <= ramp_limit",
        "MW",
        "{added_mw:.6g} MW of capacity added, above national_ramp_mw_per_year x {step:g} years ({ramp_limit:.6g} MW)",
        loose=True,
        detail=False,
    ),
)


def _check_sites(ctx: Context) -> list[Violation]:
    """Opening and blocks: from earliest_year, monotone, integer, within size, only when open, added within the ramps
    (per site and in all); capacity and power columns."""
    f, st = _site_frame(ctx), ctx.settings
    by_site = _chip_frame(ctx).groupby(["site_id", "year"])[["facility_mw", "it_mw"]].sum().add_prefix("chips_")
    f = f.join(by_site, on=["site_id", "year"]).fillna({"chips_facility_mw": 0.0, "chips_it_mw": 0.0})
    f = f.assign(
        year_f=f["year"].astype(float),
        blocks_round=f["blocks"].round(),
        open_limit=_limit(f["open"]),
        blocks_mw=f["blocks"] * f["block_mw"],
        node_ok=(f["node_id"] == f["node"]).astype(float),
        one=1.0,
        added_mw=(f["blocks"] - f["prev_blocks"]) * f["block_mw"],
        step=construction_years(st, f["year"]),
    )
    f["ramp_limit"] = f["ramp_mw_per_year"].astype(float).fillna(INF) * f["step"]
    out = ctx.apply(f, ENTITY["sites"], SITE_RULES)
    if st.national_ramp_mw_per_year is not None:
        added = f.groupby("year", as_index=False)["added_mw"].sum()
        added["step"] = construction_years(st, added["year"])
        added["ramp_limit"] = st.national_ramp_mw_per_year * added["step"]
        out += ctx.apply(added, "all sites", NATIONAL_RAMP_RULES)
    return out


CHIP_RULES = (
    Rule(
        "chip_sale_window",
        "installed_units <= sale_limit",
        "units",
        "{installed_units:g} units installed outside sale years {first_year}-{last_year}",
        detail=False,
    ),
    Rule(
        "chip_cooling",
        "installed_units <= cooling_limit",
        "units",
        "{installed_units:g} {chip_cooling}-cooled units at an {site_cooling}-cooled site",
        detail=False,
    ),
    Rule(
        "chip_site_earliest_year",
        "installed_units <= earliest_limit",
        "units",
        "{installed_units:g} units installed before the site's earliest year {site_earliest}",
        detail=False,
    ),
    Rule("chip_it_mw", "it_mw == expected_it_mw", "MW", "IT power differs from active_units x it_kw_per_unit {it_kw_per_unit:g} kW"),
    Rule("chip_facility_mw", "facility_mw == expected_facility_mw", "MW", "facility power differs from it_mw x pue_peak {pue_peak:g}"),
    Rule("chip_eflops", "eflops == expected_eflops", "EFLOP/s", "compute differs from active_units x pflops_per_unit {pflops_per_unit:g}"),
)
INTEGER_RULES = (
    Rule("chip_units_integer", "installed_units == installed_round", "units", "installs not a whole number"),
    Rule("chip_units_integer", "active_units == active_round", "units", "active units not a whole number"),
)
ACTIVE_RULES = (
    Rule("chip_active_units", "active_units == expected_active", "units", "differs from the vintages active then less those retired"),
)
SUPPLY_CAP_RULES = (Rule("chip_supply", "installed_units <= cap", "units", "installs above max_units_per_year x year weight", loose=True),)


def _check_chips(ctx: Context) -> list[Violation]:
    """Installs on sale, cooled, at a buildable site, integer, within supply; active units from vintages; power and compute columns."""
    f = _chip_frame(ctx)
    f = f.assign(
        sale_limit=_limit((f["first_year"] <= f["year"]) & (f["year"] <= f["last_year"])),
        cooling_limit=_limit((f["chip_cooling"] == "air") | (f["site_cooling"] == "liquid")),
        earliest_limit=_limit(f["year"] >= f["site_earliest"]),
        installed_round=f["installed_units"].round(),
        active_round=f["active_units"].round(),
        expected_it_mw=f["active_units"] * f["it_kw_per_unit"] / 1000.0,
        expected_facility_mw=f["it_mw"] * f["pue_peak"],
        expected_eflops=f["active_units"] * f["pflops_per_unit"] / 1000.0,
    )
    keys = ["chip_id", "site_id", "year"]
    vintages = f.loc[f["installed_units"] != 0, [*keys, "installed_units", "chip_life"]].rename(columns={"year": "vintage"})
    live = vintages.merge(pd.DataFrame({"year": ctx.settings.years}), how="cross")
    live = live[in_service(ctx.settings, live["vintage"], live["year"], live["chip_life"])]
    expected = live.groupby(keys)["installed_units"].sum().rename("expected_active")
    active = f[[*keys, "active_units", "retired_units"]].merge(expected.reset_index(), on=keys, how="outer").fillna(0.0)
    active["expected_active"] -= active["retired_units"]
    supply = f.groupby(["chip_id", "year"], as_index=False).agg(
        installed_units=("installed_units", "sum"), per_year=("max_units_per_year", "first")
    )
    supply["cap"] = supply["per_year"] * supply["year"].map(ctx.settings.year_weights)
    return [
        *ctx.apply(f, ENTITY["chips"], CHIP_RULES + (INTEGER_RULES if ctx.integer_units else ())),
        *ctx.apply(active, ENTITY["chips"], ACTIVE_RULES),
        *ctx.apply(supply, "chip {chip_id}", SUPPLY_CAP_RULES),
    ]


RETIRE_RULES = (
    Rule(
        "retire_window", "retired_units <= window_limit", "units", "retired outside the years after install within its life", detail=False
    ),
    Rule("retire_monotone", "prev_retired_units <= retired_units", "units", "fewer units retired than the year before"),
    Rule("retire_installed", "retired_units <= installed", "units", "more units retired than the vintage installed"),
    Rule("retire_integer", "retired_units == retired_round", "units", "retired units not a whole number"),
)
RETIRED_SUM_RULES = (
    Rule("chip_retired_units", "retired_units == expected_retired", "units", "differs from the retirements of its vintages active then"),
)


def _check_retirement(ctx: Context) -> list[Violation]:
    """Retirements after install and within life, for good, at most what the vintage installed; the chips table's sum of them."""
    keys = ["chip_id", "site_id", "vintage"]
    chips = ctx.scn("chips")[["chip_id", "lifetime_years"]].rename(columns={"lifetime_years": "chip_life"})
    retired = ctx.plan["retirements"].merge(chips, on="chip_id")
    installs = ctx.plan["chips"][["chip_id", "site_id", "year", "installed_units"]].rename(columns={"year": "vintage"})
    f = retired.merge(installs.rename(columns={"installed_units": "installed"}), on=keys, how="left").fillna({"installed": 0.0})
    f = f.assign(
        window_limit=_limit((f["vintage"] < f["year"]) & in_service(ctx.settings, f["vintage"], f["year"], f["chip_life"])),
        retired_round=f["retired_units"].round(),
    )
    # a vintage's retirements stay on its rows from the first year retired to its last active year (a missing row reads 0)
    years = pd.DataFrame({"year": ctx.settings.years})
    spans = f.groupby(keys, as_index=False).agg(first=("year", "min"), chip_life=("chip_life", "first")).merge(years, how="cross")
    spans = spans[(spans["year"] >= spans["first"]) & in_service(ctx.settings, spans["vintage"], spans["year"], spans["chip_life"])]
    full = spans[[*keys, "year"]].merge(f, on=[*keys, "year"], how="left").fillna({"retired_units": 0.0})
    full = _previous(full, tuple(keys), ["retired_units"])
    live = f[in_service(ctx.settings, f["vintage"], f["year"], f["chip_life"])]
    per_year = live.groupby(["chip_id", "site_id", "year"])["retired_units"].sum().rename("expected_retired")
    sums = ctx.plan["chips"][["chip_id", "site_id", "year", "retired_units"]].join(per_year, on=["chip_id", "site_id", "year"], how="outer")
    sums = sums.fillna({"retired_units": 0.0, "expected_retired": 0.0})
    rules = RETIRE_RULES if ctx.integer_units else RETIRE_RULES[:-1]
    return [
        *ctx.apply(f, ENTITY["retirements"], tuple(r for r in rules if r.constraint != "retire_monotone")),
        *ctx.apply(full, ENTITY["retirements"], tuple(r for r in rules if r.constraint == "retire_monotone")),
        *ctx.apply(sums, ENTITY["chips"], RETIRED_SUM_RULES),
    ]


def salvage(ctx: Context) -> pd.DataFrame:
    """Salvage credited per year (``category`` chip_salvage, discounted ``usd`` < 0): units newly retired x salvage_frac x price x
    the share of life left, in the retirement year's money discounted to the first modelled year."""
    st = ctx.settings
    keys = ("chip_id", "site_id", "vintage")
    chips = ctx.scn("chips")[["chip_id", "lifetime_years", "capex_usd_per_unit", "salvage_frac"]]
    f = _previous(ctx.plan["retirements"], keys, ["retired_units"]).merge(chips, on="chip_id")
    left = np.maximum(0.0, 1.0 - (f["year"] - f["vintage"]) / f["lifetime_years"].astype(float))
    year = f["year"].to_numpy(dtype=float)
    usd = -(f["retired_units"] - f["prev_retired_units"]) * f["salvage_frac"].astype(float) * f["capex_usd_per_unit"] * left
    return pd.DataFrame({"category": "chip_salvage", "year": f["year"], "usd": usd * _discount_sum(st, year, year)})


TRANCHE_RULES = (
    Rule(
        "interconnection_earliest_year",
        "taken_f <= earliest_limit",
        "-",
        "taken before its earliest year {earliest_year:.0f} (non-firm {nonfirm_earliest_year:.0f})",
        detail=False,
    ),
    Rule("interconnection_monotone", "prev_taken_f <= taken_f", "-", "taken the year before, not taken now", detail=False),
    Rule("interconnection_site", "site_ok == one", "-", "listed at site {site_id}, the scenario says {site}", detail=False),
    Rule(
        "interconnection_firm_mw",
        "firm_mw == expected_firm",
        "MW",
        "firm MW differs from taken x firm_mw {tranche_firm_mw:g} MW from its earliest year",
    ),
    Rule(
        "interconnection_nonfirm",
        "nonfirm_mw <= nonfirm_limit",
        "MW",
        "uses {nonfirm_mw:.6g} non-firm MW, the tranche offers {nonfirm_limit:.6g} MW then (nonfirm_mw when taken, from "
        "nonfirm_earliest_year)",
        loose=True,
        detail=False,
    ),
    Rule(
        "interconnection_site_firm_mw",
        "site_firm_mw == energised_mw",
        "MW",
        "differs from the firm MW of the site's tranches taken by then",
    ),
    Rule(
        "interconnection_grid_draw_mw",
        "grid_draw_mw == draw_mw",
        "MW",
        "grid draw differs from the site's facility power less its on-site generation",
        loose=True,
    ),
    Rule(
        "interconnection_capital_usd",
        "capital_usd == expected_capital",
        "USD",
        "capital differs from newly taken x (cost_usd_per_mw x firm_mw + fixed_cost_usd)",
        scale="capital",
    ),
)
CONNECTION_RULES = (
    Rule(
        "interconnection",
        "draw_mw <= allowed_mw",
        "MW",
        "draws {draw_mw:.6g} MW from the grid, its tranches energised by then give {energised_mw:.6g} MW firm and "
        "{used_mw:.6g} MW non-firm",
        loose=True,
        detail=False,
    ),
)
NONFIRM_CAP_RULES = (
    Rule("nonfirm_cap", "nonfirm_mw <= nonfirm_cap_mw", "MW", "non-firm MW used at the node's sites above nonfirm_cap_mw", loose=True),
)


def _generation(ctx: Context) -> pd.Series:
    """On-site generation [average MW] per (site_id, year), from the onsite table."""
    return ctx.plan["onsite"].groupby(["site_id", "year"])["generation_mw"].sum().rename("generation_mw")


def _check_interconnection(ctx: Context) -> list[Violation]:
    """Tranches taken from their first year, for good; firm MW from earliest_year, non-firm MW within the tranches taken
    and the nodes' caps; a listed site's grid draw (facility power less on-site generation) within the firm MW of its
    tranches taken by then plus the non-firm MW it uses; the table's columns."""
    f = _tranche_frame(ctx)
    firm_year = f["year"] >= f["earliest_year"]
    nonfirm_year = (f["tranche_nonfirm_mw"] > 0) & (f["year"] >= f["nonfirm_earliest_year"])
    f = f.assign(
        earliest_limit=_limit(firm_year | nonfirm_year),
        give=f["tranche_firm_mw"] * f["taken_f"] * firm_year,
        nonfirm_limit=f["tranche_nonfirm_mw"] * f["taken_f"] * nonfirm_year,
    )
    energised = f.groupby(["site", "year"])["give"].sum().rename("energised_mw")
    used = f.groupby(["site", "year"])["nonfirm_mw"].sum().rename("used_mw")
    sites = ctx.plan["sites"][["site_id", "year", "facility_mw"]].join(_generation(ctx), on=["site_id", "year"])
    sites = sites.assign(draw_mw=sites["facility_mw"] - sites["generation_mw"].fillna(0.0))
    draws = sites.set_index(["site_id", "year"])["draw_mw"]
    connected = sites[sites["site_id"].isin(set(ctx.scn("interconnection")["site_id"]))]
    connected = connected.join(energised, on=["site_id", "year"]).join(used, on=["site_id", "year"])
    connected = connected.fillna({"energised_mw": 0.0, "used_mw": 0.0})
    connected["allowed_mw"] = connected["energised_mw"] + connected["used_mw"]
    f = f.join(energised, on=["site", "year"]).join(draws, on=["site", "year"]).fillna({"energised_mw": 0.0, "draw_mw": 0.0})
    capital = f["cost_usd_per_mw"] * f["tranche_firm_mw"] + f["fixed_cost_usd"]
    f = f.assign(
        site_ok=(f["site_id"] == f["site"]).astype(float),
        one=1.0,
        expected_firm=f["give"],
        expected_capital=(f["taken_f"] - f["prev_taken_f"]) * capital,
        capital=capital,
    )
    node_of = ctx.scn("sites").set_index("site_id")["node_id"]
    caps = ctx.scn("nodes").set_index("node_id")["nonfirm_cap_mw"].astype(float).dropna()
    at_node = f.assign(node_id=f["site"].map(node_of)).groupby(["node_id", "year"], as_index=False)["nonfirm_mw"].sum()
    at_node = at_node.join(caps, on="node_id").dropna(subset=["nonfirm_cap_mw"])
    return [
        *ctx.apply(f, ENTITY["interconnection"], TRANCHE_RULES),
        *ctx.apply(connected, "site {site_id}", CONNECTION_RULES),
        *ctx.apply(at_node, "node {node_id}", NONFIRM_CAP_RULES),
    ]


ONSITE_RULES = (
    Rule(
        "onsite_earliest_year",
        "capacity_mw <= earliest_limit",
        "MW",
        "{capacity_mw:.6g} MW before the technology's first year {first_year:.0f} or the site's earliest year",
        detail=False,
    ),
    Rule("onsite_monotone", "prev_capacity_mw <= capacity_mw", "MW", "less capacity than the year before"),
    Rule("onsite_retired_monotone", "prev_retired_mw <= retired_mw", "MW", "less retired than the year before"),
    Rule("onsite_mwh_monotone", "prev_capacity_mwh <= capacity_mwh", "MWh", "less battery energy than the year before"),
    Rule("onsite_retired", "retired_mw <= capacity_mw", "MW", "more retired than built"),
    Rule("onsite_max", "capacity_mw <= max_mw_per_site", "MW", "capacity above max_mw_per_site"),
    Rule("onsite_units", "capacity_mw == units_mw", "MW", "capacity differs from units x unit_mw {unit_mw:g} MW"),
    Rule("onsite_units", "retired_mw == retired_units_mw", "MW", "retired differs from retired_units x unit_mw {unit_mw:g} MW"),
    Rule("onsite_units_integer", "units == units_round", "units", "units not a whole number"),
    Rule("onsite_units_integer", "retired_units == retired_round", "units", "retired units not a whole number"),
    Rule(
        "onsite_available",
        "running_mw <= available_mw",
        "MW",
        "generates {generation_mw:.6g} MW and covers {cover_mw:.6g} MW, availability_frac x capacity in service is {available_mw:.6g} MW",
        loose=True,
        detail=False,
    ),
    Rule("onsite_kind", "generation_mw <= generation_limit", "MW", "a battery generates {generation_mw:.6g} MW on average", detail=False),
    Rule("onsite_kind", "capacity_mwh <= mwh_limit", "MWh", "a generator has {capacity_mwh:.6g} MWh of energy capacity", detail=False),
    Rule("onsite_kind", "kind_ok == one", "-", "kind {kind}, the scenario says {tech_kind}", detail=False),
    Rule("onsite_battery_energy", "event_mwh <= capacity_mwh", "MWh", "covers {cover_mw:.6g} MW x curtailment_event_hours", loose=True),
    Rule(
        "onsite_energy_mwh",
        "energy_mwh == expected_mwh",
        "MWh",
        "energy differs from generation x hours x load_factor + cover x share x hours",
    ),
    Rule("onsite_capital_usd", "capital_usd == expected_capital", "USD", "capital differs from new MW and MWh x their capex"),
    Rule("onsite_fixed_usd", "fixed_usd == expected_fixed", "USD", "fixed O&M differs from capacity in service x fixed_om_usd_per_kw_yr"),
    Rule(
        "onsite_energy_usd",
        "energy_usd == expected_energy_usd",
        "USD",
        "energy cost differs from energy_mwh x (heat_rate x fuel + variable_om)",
    ),
    Rule("onsite_co2_t", "co2_t == expected_co2", "t", "emissions differ from energy_mwh x heat_rate x co2_kg_per_mmbtu / 1000"),
)
BEHIND_METER_RULES = (
    Rule(
        "onsite_behind_meter",
        "generation_mw <= energy_mw",
        "MW",
        "generates more on site than its facility power at the annual pue (on-site power cannot feed the node)",
        loose=True,
    ),
)


def site_curtailment(ctx: Context) -> pd.Series:
    """Per site offered non-firm MW, the share of hours they are shed: the largest curtailment_frac of its tranches offering them."""
    tranches = ctx.scn("interconnection")
    offered = tranches[tranches["nonfirm_mw"].astype(float) > 0]
    return offered.groupby("site_id")["curtailment_frac"].max().astype(float).rename("shed_frac")


def _onsite_frame(ctx: Context) -> pd.DataFrame:
    """Plan on-site rows, every modelled year from the first row of each (site, technology) pair (missing rows read 0), with
    the technology's scenario columns, ``first_year``, the site's curtailment share ``shed_frac`` and previous-year values."""
    st, keys = ctx.settings, ["site_id", "tech_id"]
    plan = ctx.plan["onsite"]
    years = pd.DataFrame({"year": st.years})
    spans = plan.groupby(keys, as_index=False)["year"].min().rename(columns={"year": "start"}).merge(years, how="cross")
    spans = spans.loc[spans["year"] >= spans["start"], [*keys, "year"]]
    f = spans.merge(plan, on=[*keys, "year"], how="outer")
    quantities = [c for c in plan.columns if c not in (*keys, "year", "kind")]
    f[quantities] = f[quantities].fillna(0.0)
    gens = (
        ctx.scn("generators").drop(columns="source", errors="ignore").rename(columns={"kind": "tech_kind", "lifetime_years": "tech_life"})
    )
    f["kind"] = f["kind"].fillna(f["tech_id"].map(gens.set_index("tech_id")["tech_kind"]))
    f = f.merge(gens, on="tech_id")
    lead = np.ceil(f["lead_time_years"].astype(float) - 1e-9)
    f["first_year"] = st.years[0] + lead
    f["site_earliest"] = f["site_id"].map(ctx.scn("sites").set_index("site_id")["earliest_year"]).astype(float)
    f = f.join(site_curtailment(ctx), on="site_id").fillna({"shed_frac": 0.0})
    return _previous(f, ("site_id", "tech_id"), ["capacity_mw", "retired_mw", "capacity_mwh"])


def _check_onsite(ctx: Context) -> list[Violation]:
    """On-site equipment from its first year, cumulative, within the per-site maximum and whole units; generation and cover
    within availability x capacity in service; batteries make no energy and hold the MWh of an event; generation stays
    behind the meter; the table's cost and CO2 columns."""
    f, st = _onsite_frame(ctx), ctx.settings
    unit = f["unit_mw"].astype(float)
    sized = unit > 0
    per_mwh = f["heat_rate_mmbtu_per_mwh"] * f["fuel_price_usd_per_mmbtu"] + f["variable_om_usd_per_mwh"]
    expected_mwh = f["generation_mw"] * st.hours_per_year * st.load_factor + f["cover_mw"] * f["shed_frac"] * st.hours_per_year
    battery = f["tech_kind"] == "battery"
    f = f.assign(
        earliest_limit=_limit((f["year"] >= f["first_year"]) & (f["year"] >= f["site_earliest"])),
        units_mw=np.where(sized, f["units"] * unit, f["capacity_mw"]),
        retired_units_mw=np.where(sized, f["retired_units"] * unit, f["retired_mw"]),
        units_round=np.where(sized, f["units"].round(), 0.0),
        retired_round=np.where(sized, f["retired_units"].round(), 0.0),
        running_mw=f["generation_mw"] + f["cover_mw"],
        available_mw=f["availability_frac"] * (f["capacity_mw"] - f["retired_mw"]),
        generation_limit=_limit(~battery),
        mwh_limit=_limit(battery),
        kind_ok=(f["kind"] == f["tech_kind"]).astype(float),
        one=1.0,
        event_mwh=np.where(battery, f["cover_mw"] * st.curtailment_event_hours, 0.0),
        expected_mwh=expected_mwh,
        expected_capital=(
            (f["capacity_mw"] - f["prev_capacity_mw"]) * f["capex_usd_per_kw"]
            + (f["capacity_mwh"] - f["prev_capacity_mwh"]) * f["capex_usd_per_kwh"]
        )
        * KW_PER_MW,
        expected_fixed=(f["capacity_mw"] - f["retired_mw"]) * f["fixed_om_usd_per_kw_yr"] * KW_PER_MW,
        expected_energy_usd=f["energy_mwh"] * per_mwh,
        expected_co2=f["energy_mwh"] * f["heat_rate_mmbtu_per_mwh"] * f["co2_kg_per_mmbtu"] / 1000.0,
    )
    rules = ONSITE_RULES if ctx.integer_units else tuple(r for r in ONSITE_RULES if r.constraint != "onsite_units_integer")
    sites = pd.concat([_site_energy(ctx), _generation(ctx)], axis=1, join="inner").reset_index()
    return ctx.apply(f, ENTITY["onsite"], rules) + ctx.apply(sites, "site {site_id}", BEHIND_METER_RULES)


CURTAILMENT_RULES = (
    Rule("curtailment_nonfirm_mw", "nonfirm_mw == used_mw", "MW", "differs from the non-firm MW of the site's tranches", loose=True),
    Rule(
        "curtailment_curtailed_mwh",
        "curtailed_mwh == expected_curtailed",
        "MWh",
        "differs from nonfirm_mw x curtailment_frac {shed_frac:g} x hours_per_year",
    ),
    Rule(
        "curtailment_covered_mwh",
        "covered_mwh == expected_covered",
        "MWh",
        "differs from the on-site cover_mw x curtailment_frac {shed_frac:g} x hours_per_year",
        loose=True,
    ),
    Rule("curtailment_balance", "carried_mwh == curtailed_mwh", "MWh", "covered + lost differ from the curtailed MWh", loose=True),
    Rule("curtailment_lost_usd", "lost_usd == expected_lost_usd", "USD", "differs from lost_mwh x lost_compute_usd_per_mwh"),
)


def _check_curtailment(ctx: Context) -> list[Violation]:
    """Per site-year: the non-firm MW used are shed in its curtailment share of hours; the shed MWh are covered by its
    on-site cover or lost, and the lost MWh are valued at lost_compute_usd_per_mwh."""
    st = ctx.settings
    used = ctx.plan["interconnection"].groupby(["site_id", "year"])["nonfirm_mw"].sum().rename("used_mw")
    cover = ctx.plan["onsite"].groupby(["site_id", "year"])["cover_mw"].sum().rename("cover_mw")
    f = ctx.plan["curtailment"].merge(used.reset_index(), on=["site_id", "year"], how="outer")
    f = f.join(cover, on=["site_id", "year"]).join(site_curtailment(ctx), on="site_id")
    f = f.fillna(
        {c: 0.0 for c in ["nonfirm_mw", "curtailed_mwh", "covered_mwh", "lost_mwh", "lost_usd", "used_mw", "cover_mw", "shed_frac"]}
    )
    f = f.assign(
        expected_curtailed=f["nonfirm_mw"] * f["shed_frac"] * st.hours_per_year,
        expected_covered=f["cover_mw"] * f["shed_frac"] * st.hours_per_year,
        carried_mwh=f["covered_mwh"] + f["lost_mwh"],
        expected_lost_usd=f["lost_mwh"] * st.lost_compute_usd_per_mwh,
    )
    return ctx.apply(f, ENTITY["curtailment"], CURTAILMENT_RULES)


POWER_RULES = (
    Rule("power_ceiling", "sites_facility_mw <= ceiling", "MW", "facility power of all sites above the ceiling", loose=True),
    Rule("power_facility_mw", "facility_mw == sites_facility_mw", "MW", "power table differs from the sum over sites"),
    Rule("power_it_mw", "it_mw == sites_it_mw", "MW", "power table IT power differs from the sum over sites"),
    Rule("power_ceiling_mw", "ceiling_mw == ceiling", "MW", "power table ceiling differs from the scenario's"),
    Rule("power_headroom_mw", "headroom_mw == expected_headroom", "MW", "headroom differs from ceiling_mw - facility_mw", scale="ceiling"),
)


def _check_power(ctx: Context) -> list[Violation]:
    """The ceiling on the sum of the sites' facility power, and the power table as that sum."""
    sums = ctx.plan["sites"].groupby("year")[["facility_mw", "it_mw"]].sum().add_prefix("sites_")
    f = ctx.plan["power"].join(sums, on="year").fillna({"sites_facility_mw": 0.0, "sites_it_mw": 0.0})
    f = f.assign(ceiling=ctx.settings.ceiling_mw, expected_headroom=f["ceiling_mw"] - f["facility_mw"])
    return ctx.apply(f, ENTITY["power"], POWER_RULES)


SUPPLY_RULES = (
    Rule(
        "supply_earliest_year",
        "draw_mw <= earliest_limit",
        "MW",
        "draws {draw_mw:.6g} MW before its earliest year {earliest_year}",
        detail=False,
    ),
    Rule("supply_draw", "draw_mw <= available_mw", "MW", "draws more than available", loose=True),
    Rule("supply_capacity", "available_mw <= supply_capacity_mw", "MW", "available above the supply's capacity", loose=True),
    Rule(
        "supply_contract_monotone",
        "contract_floor <= available_mw",
        "MW",
        "contracts {available_mw:.6g} MW, {prev_available_mw:.6g} MW before",
        True,
        detail=False,
    ),
    Rule("supply_energy_mwh", "energy_mwh == expected_energy", "MWh", "energy differs from draw x hours_per_year x load_factor"),
    Rule("supply_co2_t", "co2_t == expected_co2", "t", "emissions differ from energy_mwh x co2_t_per_mwh {co2_t_per_mwh:g}"),
    Rule("supply_node", "node_ok == one", "-", "listed at node {node_id}, the scenario says {node}", detail=False),
    Rule("supply_site", "site_ok == one", "-", "listed for site '{site_id}', the scenario says '{site}'", detail=False),
    Rule("supply_paid", "paid_mw >= draw_mw", "MW", "pays for less than it draws", loose=True),
    Rule("supply_min_take", "paid_mw >= min_take_mw", "MW", "pays for less than min_take_frac {min_take_frac:g} x available", loose=True),
)
DEDICATED_RULES = (
    Rule(
        "dedicated_supply",
        "draw_mw <= grid_energy_mw",
        "MW",
        "its dedicated supplies draw {draw_mw:.6g} MW, the site takes {grid_energy_mw:.6g} MW from the grid "
        "(dedicated power would feed other campuses or the node)",
        loose=True,
        detail=False,
    ),
)


def _check_supplies(ctx: Context) -> list[Violation]:
    """Draw within availability within capacity; contracts only grow; no draw before earliest_year; energy and CO2 columns;
    paid MW at least the draw and the minimum take; a site's dedicated supplies draw at most its grid energy."""
    f, st = _supply_frame(ctx), ctx.settings
    f = f.assign(
        earliest_limit=_limit(f["year"] >= f["earliest_year"]),
        contract_floor=np.where(f["build_cost_usd_per_mw"] > 0, f["prev_available_mw"], 0.0),
        expected_energy=f["draw_mw"] * st.hours_per_year * st.load_factor,
        expected_co2=f["energy_mwh"] * f["co2_t_per_mwh"],
        node_ok=(f["node_id"] == f["node"]).astype(float),
        site_ok=(f["site_id"] == f["site"]).astype(float),
        one=1.0,
        min_take_mw=f["min_take_frac"] * f["available_mw"],
    )
    dedicated = f[f["site"] != ""].groupby(["site", "year"])["draw_mw"].sum().rename_axis(["site_id", "year"]).reset_index()
    dedicated = dedicated.join(_grid_energy(ctx), on=["site_id", "year"]).fillna({"grid_energy_mw": 0.0})
    return ctx.apply(f, ENTITY["supplies"], SUPPLY_RULES) + ctx.apply(dedicated, "site {site_id}", DEDICATED_RULES)


def _site_energy(ctx: Context) -> pd.Series:
    """Each site's facility power at the annual ``pue`` by (site_id, year) [average MW]: ``it_mw`` x ``pue``."""
    pue = ctx.scn("sites").set_index("site_id")["pue"]
    sites = ctx.plan["sites"]
    return (sites["it_mw"] * sites["site_id"].map(pue)).groupby([sites["site_id"], sites["year"]]).sum().rename("energy_mw")


def _grid_energy(ctx: Context) -> pd.Series:
    """Each site's grid energy by (site_id, year) [average MW]: its annual-PUE facility power less on-site generation."""
    return _site_energy(ctx).sub(_generation(ctx), fill_value=0.0).rename("grid_energy_mw")


LINK_RULES = (
    Rule("link_capacity_mw", "capacity_mw == total_mw", "MW", "capacity differs from existing + expansion"),
    Rule("link_loss_mw", "loss_mw == expected_loss", "MW", "loss differs from loss_frac {loss_frac:g} x flows"),
    Rule("link_expansion_max", "expansion_mw <= expand_max_mw", "MW", "expansion above its maximum", loose=True),
    Rule("link_expansion_monotone", "prev_expansion_mw <= expansion_mw", "MW", "expansion smaller than the year before", loose=True),
    Rule(
        "link_earliest_year",
        "expansion_mw <= earliest_limit",
        "MW",
        "expansion {expansion_mw:.6g} MW before {earliest_year:.0f}",
        detail=False,
    ),
    Rule(
        "link_built", "expansion_mw <= built_limit", "MW", "expansion {expansion_mw:.6g} MW but its fixed build not decided", detail=False
    ),
    Rule("link_built_monotone", "prev_built_f <= built_f", "-", "built the year before, not built now", detail=False),
)
FLOW_RULES = (Rule("link_capacity", "flow_mw <= total_mw", "MW", "{direction} flow above capacity + expansion", loose=True),)


def _check_links(ctx: Context) -> list[Violation]:
    """Flows within capacity plus expansion; expansion bounded, monotone, from earliest_year, built when it has a fixed cost."""
    f = _link_frame(ctx)
    f = f.assign(
        total_mw=f["link_capacity_mw"] + f["expansion_mw"],
        expected_loss=f["loss_frac"] * (f["flow_fwd_mw"] + f["flow_bwd_mw"]),
        earliest_limit=_limit(f["year"] >= f["earliest_year"]),
        built_limit=_limit((f["build_cost_usd"] <= 0) | f["built"]),
    )
    flows = f.melt(["link_id", "year", "total_mw"], ["flow_fwd_mw", "flow_bwd_mw"], var_name="direction", value_name="flow_mw")
    flows["direction"] = flows["direction"].str.split("_").str[1]
    return ctx.apply(flows, ENTITY["links"], FLOW_RULES) + ctx.apply(f, ENTITY["links"], LINK_RULES)


BALANCE_RULES = (
    Rule(
        "node_balance",
        "net_mw == load_mw",
        "MW",
        "draws {draw:.6g} + receives {received:.6g} - sends {sent_mw:.6g} = {net_mw:.6g} MW, its sites need {load_mw:.6g} MW "
        "(IT x annual pue less on-site generation)",
        loose=True,
        scale="scale",
        detail=False,
    ),
)


def _check_balance(ctx: Context) -> list[Violation]:
    """At every node and year: draws + received flows after losses - sent flows = the node's sites' IT power x annual pue
    less their on-site generation."""
    site_node, pue = ctx.scn("sites").set_index("site_id")["node_id"], ctx.scn("sites").set_index("site_id")["pue"]
    supply_node = ctx.scn("supplies").set_index("supply_id")["node_id"]
    sites, supplies, links, onsite = ctx.plan["sites"], ctx.plan["supplies"], _link_frame(ctx), ctx.plan["onsite"]
    keep = 1.0 - links["loss_frac"]
    parts = [  # (kind, node, year, MW into the node)
        ("draw", supplies["supply_id"].map(supply_node), supplies["year"], supplies["draw_mw"]),
        ("sites", sites["site_id"].map(site_node), sites["year"], -sites["it_mw"] * sites["site_id"].map(pue)),
        ("sites", onsite["site_id"].map(site_node), onsite["year"], onsite["generation_mw"]),
        ("sent", links["from_node"], links["year"], -links["flow_fwd_mw"]),
        ("received", links["to_node"], links["year"], keep * links["flow_fwd_mw"]),
        ("sent", links["to_node"], links["year"], -links["flow_bwd_mw"]),
        ("received", links["from_node"], links["year"], keep * links["flow_bwd_mw"]),
    ]
    terms = pd.concat([pd.DataFrame({"node_id": n, "year": y, "kind": k, "mw": v}) for k, n, y, v in parts], ignore_index=True)
    f = terms.pivot_table(index=["node_id", "year"], columns="kind", values="mw", aggfunc="sum", fill_value=0.0)
    f = f.reindex(columns=["draw", "sites", "sent", "received"], fill_value=0.0)
    f = f.join(terms["mw"].abs().groupby([terms["node_id"], terms["year"]]).max().rename("scale")).reset_index()
    f = f.assign(net_mw=f["draw"] + f["received"] + f["sent"], load_mw=-f["sites"], sent_mw=-f["sent"])
    return ctx.apply(f, "node {node_id}", BALANCE_RULES)


SERVING_RULES = (
    Rule("serving_pair", "eflops <= pair_limit", "EFLOP/s", "{eflops:.6g} EFLOP/s over a pair not allowed ({why})", detail=False),
    Rule("serving_open", "eflops <= open_limit", "EFLOP/s", "{eflops:.6g} EFLOP/s from a site that is not open", detail=False),
)
SITE_COMPUTE_RULES = (Rule("site_compute", "served <= eflops", "EFLOP/s", "serves and trains more than its chips deliver", loose=True),)
FAMILY_COMPUTE_RULES = (
    Rule("family_compute", "training <= eflops", "EFLOP/s", "trains on family {family} more than its chips of it deliver", loose=True),
)
DEMAND_RULES = (
    Rule("demand", "delivered >= demand", "EFLOP/s", "served plus unserved less than demand", loose=True),
    Rule("unserved_strict", "unserved <= unserved_limit", "EFLOP/s", "{unserved:.6g} EFLOP/s unserved of strict demand", detail=False),
    Rule("unserved_max", "unserved <= demand", "EFLOP/s", "more unserved than demanded", loose=True),
)


def demand_rows(ctx: Context) -> pd.DataFrame:
    """Demand per region and modelled year (``demand`` > 0) with its ``value`` (NaN: strict) and the plan's ``unserved`` EFLOP/s."""
    table = ctx.scn("demand").rename(columns={"eflops": "demand", "value_usd_per_eflops_yr": "value"})
    table = table.loc[table["year"].isin(ctx.settings.years) & (table["demand"] > 0), ["region_id", "year", "demand", "value"]]
    unserved = ctx.plan["unserved"]
    unserved = unserved[unserved["workload"] == "inference"].rename(columns={"id": "region_id", "eflops": "unserved"})
    return table.merge(unserved[["region_id", "year", "unserved"]], on=["region_id", "year"], how="left").fillna({"unserved": 0.0})


def _unknown_unserved(ctx: Context, demand: pd.DataFrame) -> list[Violation]:
    """Rows of the unserved table naming no workload, or inference of a region and year without demand."""
    f = ctx.plan["unserved"]
    inference = f["workload"] == "inference"
    asked = pd.MultiIndex.from_frame(demand[["region_id", "year"]])
    known = ~inference | pd.MultiIndex.from_arrays([f["id"], f["year"]]).isin(asked)
    bad = ~f["workload"].isin(WORKLOADS) | ~known
    text = f"unserved compute of an unknown workload (expected one of {', '.join(WORKLOADS)}) or of a region-year without demand"
    return _emit(f, bad, f["eflops"], "unknown_key", "EFLOP/s", ENTITY["unserved"], text)


def _check_serving(ctx: Context) -> list[Violation]:
    """Allowed pairs from open sites; a site serves and trains at most its chips' compute (training on one family at most its
    chips of that family); every region's demand served or, where it has a value, unserved (strict demand served in full)."""
    open_sites = ctx.plan["sites"][["site_id", "year", "open"]]
    f = ctx.plan["serving"].merge(serve_pairs(ctx.scenario), on=["region_id", "site_id"], how="left")
    f = f.merge(open_sites, on=["site_id", "year"], how="left")
    why = pd.Series(
        [
            f"latency {lat:.4g} ms above max_latency_ms {bound:.4g}" if pd.notna(lat) else "not in serving.csv"
            for lat, bound in zip(f["latency_ms"], f["max_latency_ms"], strict=True)
        ],
        index=f.index,
        dtype=object,
    )
    f = f.assign(pair_limit=_limit(f["allowed"]), open_limit=_limit(f["open"]), why=why)
    training = ctx.plan["training"]
    used = pd.concat([f[["site_id", "year", "eflops"]], training[["site_id", "year", "eflops"]]], ignore_index=True)
    served = used.groupby(["site_id", "year"])["eflops"].sum().rename("served").reset_index()
    chips = ctx.plan["chips"].assign(family=ctx.plan["chips"]["chip_id"].map(ctx.scenario.chip_family()))
    compute = chips.groupby(["site_id", "year"])["eflops"].sum()
    sites = served.join(compute, on=["site_id", "year"]).fillna({"eflops": 0.0})
    bound = training[training["family"] != ANY_FAMILY].groupby(["site_id", "year", "family"])["eflops"].sum().rename("training")
    families = bound.reset_index().join(chips.groupby(["site_id", "year", "family"])["eflops"].sum(), on=["site_id", "year", "family"])
    demand = demand_rows(ctx)
    regions = demand.join(f.groupby(["region_id", "year"])["eflops"].sum(), on=["region_id", "year"]).fillna({"eflops": 0.0})
    regions = regions.assign(delivered=regions["eflops"] + regions["unserved"], unserved_limit=_limit(regions["value"].notna()))
    return [
        *ctx.apply(f, ENTITY["serving"], SERVING_RULES),
        *ctx.apply(sites, "site {site_id}", SITE_COMPUTE_RULES),
        *ctx.apply(families.fillna({"eflops": 0.0}), "site {site_id}", FAMILY_COMPUTE_RULES),
        *ctx.apply(regions, "region {region_id}", DEMAND_RULES),
        *_unknown_unserved(ctx, demand),
    ]


PLACEMENT_RULES = (
    Rule("placement_required", "placed_f >= strict", "-", "a strict run (no value_usd) left unplaced", detail=False),
    Rule("placement_campuses", "campuses == site_count", "campuses", "campuses differs from the sites listed ({sites})"),
    Rule("placement_campuses", "site_count <= max_campuses", "campuses", "placed on more campuses than max_campuses ({sites})"),
    Rule("placement_site", "unknown_sites <= zero", "campuses", "placed on campuses it may not use or that do not exist ({sites})"),
    Rule("placement_latency", "rtt_ms <= max_latency_ms", "ms", "campuses {sites} farther apart than max_latency_ms", loose=True),
    Rule("placement_latency_ms", "latency_ms == rtt_ms", "ms", "latency_ms differs from the campuses' largest round trip", loose=True),
    Rule("placement_family", "family_ok == one", "-", "family {family} is not one the run may use", detail=False),
    Rule(
        "placement_bandwidth",
        "bandwidth_usd_per_yr == bandwidth_usd",
        "USD/yr",
        "differs from fibre_usd_per_tbps_km_yr x bandwidth_tbps x spanning-tree route km",
        loose=True,
    ),
    Rule("placement_cost", "placement_cost_usd == sites_cost_usd", "USD", "differs from its training_sites cost_usd", loose=True),
)
TRAINING_ROW_RULES = (
    Rule("training_site", "outside <= zero", "EFLOP/s", "{eflops:.6g} EFLOP/s on a campus outside its placement", detail=False),
    Rule("training_family", "family_ok == one", "-", "compute of family {family}, not that of its placement", detail=False),
    Rule("training_year", "in_run <= zero", "EFLOP/s", "{eflops:.6g} EFLOP/s in a year outside the run's years", detail=False),
)
TRAINING_NEED_RULES = (
    Rule("training_need", "eflops == need", "EFLOP/s", "compute differs from the run's need", loose=True),
    Rule("training_unserved", "unserved == unplaced", "EFLOP/s", "unserved differs from the eflops of a run left unplaced", loose=True),
)


def _run_frame(ctx: Context) -> pd.DataFrame:
    """Plan placements with the scenario's run columns, ``allowed`` (the families it may use), its campuses as a list and
    what they imply: ``rtt_ms`` (largest round trip), ``route_km`` (minimum spanning tree), ``sites_cost_usd`` and the
    campuses it may not use (``unknown_sites``); ``strict`` and ``placed_f`` as numbers."""
    runs = ctx.scn("training_runs").drop(columns="source", errors="ignore")
    runs = runs.assign(allowed=runs["run_id"].map(ctx.scenario.run_families()))
    f = ctx.plan["placements"].merge(runs.rename(columns={"family": "run_family"}), on="run_id")
    sites = ctx.scn("sites").set_index("site_id")
    pairs = ctx.scn("training_sites")
    cost = {(r, s): float(c) for r, s, c in zip(pairs["run_id"], pairs["site_id"], pairs["cost_usd"], strict=True)}
    listed = set(pairs["run_id"])
    lists = [str(text).split(";") if text else [] for text in f["sites"]]
    unknown, rtt, route = [], [], []
    for run, members in zip(f["run_id"], lists, strict=True):
        known = [s for s in members if s in sites.index]
        unknown.append(float(len(members) - len(known) + sum(run in listed and (run, s) not in cost for s in known)))
        km = _route_km(ctx, sites.loc[known, "lat"], sites.loc[known, "lon"])
        rtt.append(float(km.max(initial=0.0)) * RTT_MS_PER_KM)
        route.append(float(minimum_spanning_tree(km).sum()) if len(known) > 1 else 0.0)
    return f.assign(
        site_list=lists,
        site_count=[float(len(x)) for x in lists],
        unknown_sites=unknown,
        rtt_ms=rtt,
        route_km=route,
        sites_cost_usd=[sum(cost.get((r, s), 0.0) for s in x) for r, x in zip(f["run_id"], lists, strict=True)],
        strict=f["value_usd"].isna().astype(float),
        placed_f=f["placed"].astype(float),
        zero=0.0,
        one=1.0,
    )


def _route_km(ctx: Context, lat: pd.Series, lon: pd.Series) -> np.ndarray:
    """Route km between every two points (great-circle km x ``latency_route_factor``), a square matrix."""
    n = len(lat)
    a, b = np.repeat(np.arange(n), n), np.tile(np.arange(n), n)
    km = great_circle_km(lat.iloc[a].reset_index(drop=True), lon.iloc[a].reset_index(drop=True), lat.iloc[b].reset_index(drop=True),
                         lon.iloc[b].reset_index(drop=True))  # fmt: skip
    return np.asarray(km, dtype=float).reshape(n, n) * ctx.settings.latency_route_factor


def _run_years(ctx: Context, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per run and modelled year inside [first_year, last_year] (``run_id``, ``year``), the run's first such ``y0``."""
    years = pd.DataFrame({"year": ctx.settings.years})
    f = runs.merge(years, how="cross")
    f = f[(f["year"] >= f["first_year"]) & (f["year"] <= f["last_year"])]
    return f.assign(y0=f.groupby("run_id")["year"].transform("min"))


def _check_training(ctx: Context) -> list[Violation]:
    """Each run placed whole: strict runs placed, one group of at most max_campuses it may use, within its latency, on one
    family unless it mixes, its compute only there, in its years, the full need (eflops, over 1 - split_loss_frac when split)
    every year, and an unplaced run's eflops unserved each year; bandwidth and placement costs as the scenario prices them."""
    runs = _run_frame(ctx)
    expected = set(ctx.scn("training_runs")["run_id"])
    missing = pd.DataFrame({"run_id": sorted(expected - set(runs["run_id"]))})
    out = _emit(missing, pd.Series(True, index=missing.index), pd.Series(1.0, index=missing.index), "missing_row", "rows",
                ENTITY["placements"], "no row in table placements")  # fmt: skip
    every = frozenset(ctx.scenario.chip_family())
    family_ok = [
        not placed or (family == ANY_FAMILY and every <= set(allowed) if mix else family in allowed)
        for family, allowed, mix, placed in zip(runs["family"], runs["allowed"], runs["mix_families"], runs["placed"], strict=True)
    ]
    runs = runs.assign(
        family_ok=np.asarray(family_ok, dtype=float),
        bandwidth_usd=ctx.settings.fibre_usd_per_tbps_km_yr * runs["bandwidth_tbps"] * runs["route_km"] * (runs["site_count"] > 1),
    )
    out += ctx.apply(runs, ENTITY["placements"], PLACEMENT_RULES)
    placed = runs[["run_id", "site_list", "family", "allowed", "mix_families", "first_year", "last_year"]]
    t = ctx.plan["training"].merge(placed, on="run_id", suffixes=("", "_placed"))
    inside = [s in members for s, members in zip(t["site_id"], t["site_list"], strict=True)]
    fam = [
        (f in allowed or (f == ANY_FAMILY and every <= set(allowed))) if mix else f == placed
        for f, placed, allowed, mix in zip(t["family"], t["family_placed"], t["allowed"], t["mix_families"], strict=True)
    ]
    t = t.assign(
        outside=np.where(inside, 0.0, t["eflops"]),
        family_ok=np.asarray(fam, dtype=float),
        in_run=np.where((t["year"] >= t["first_year"]) & (t["year"] <= t["last_year"]), 0.0, t["eflops"]),
        zero=0.0,
        one=1.0,
    )
    out += ctx.apply(t, ENTITY["training"], TRAINING_ROW_RULES)
    years = _run_years(ctx, runs[["run_id", "first_year", "last_year", "eflops", "split_loss_frac", "site_count", "placed_f"]])
    split = np.where(years["site_count"] > 1, 1.0 - years["split_loss_frac"], 1.0)
    years = years.assign(need=years["eflops"] / split * years["placed_f"], unplaced=years["eflops"] * (1.0 - years["placed_f"]))
    done = t.groupby(["run_id", "year"])["eflops"].sum()
    unserved = ctx.plan["unserved"]
    unserved = unserved[unserved["workload"] == "training"].groupby(["id", "year"])["eflops"].sum().rename("unserved")
    years = years.drop(columns="eflops").join(done, on=["run_id", "year"]).join(unserved, on=["run_id", "year"])
    years = years.fillna({"eflops": 0.0, "unserved": 0.0})
    return out + ctx.apply(years, ENTITY["placements"], TRAINING_NEED_RULES)


def training_costs(ctx: Context) -> pd.DataFrame:
    """Discounted training costs (``category``, ``year``, ``usd``): bandwidth each year of a placed run, its placement cost
    once in its first modelled year, and an unplaced run's value_usd (USD of its first_year) in that year."""
    st = ctx.settings
    runs = _run_frame(ctx)
    years = _run_years(
        ctx, runs[["run_id", "first_year", "last_year", "placed_f", "bandwidth_usd_per_yr", "placement_cost_usd", "value_usd"]]
    )
    first = years[years["year"] == years["y0"]]
    once = _discount_sum(st, first["year"].to_numpy(), first["year"].to_numpy())
    value = _discount_sum(st, first["first_year"].to_numpy(), first["first_year"].to_numpy())
    parts = [
        ("training_bandwidth", years, years["placed_f"] * years["bandwidth_usd_per_yr"] * op_weight(st, years["year"])),
        ("training_placement", first, first["placed_f"] * first["placement_cost_usd"] * once),
        ("unplaced_training", first, (1.0 - first["placed_f"]) * first["value_usd"].fillna(0.0) * value),
    ]
    return pd.concat([pd.DataFrame({"category": k, "year": f["year"], "usd": usd.astype(float)}) for k, f, usd in parts], ignore_index=True)


def capital(ctx: Context) -> pd.DataFrame:
    """Capital spent per item and year: ``category``, ``year``, undiscounted ``usd``, the ``life`` (years) of what was built
    and ``through``, the last calendar year it serves (chips: :func:`service_end`; the rest: the horizon's end).

    "New" is the value in a year minus the value in the entity's previous row (0 before the first).
    """
    sites, chips, supplies, links, tranches = _site_frame(ctx), _chip_frame(ctx), _supply_frame(ctx), _link_frame(ctx), _tranche_frame(ctx)
    onsite = _onsite_frame(ctx)
    onsite_capital = KW_PER_MW * (
        onsite["capex_usd_per_kw"] * (onsite["capacity_mw"] - onsite["prev_capacity_mw"])
        + onsite["capex_usd_per_kwh"] * (onsite["capacity_mwh"] - onsite["prev_capacity_mwh"])
    )
    supplies = supplies[supplies["build_cost_usd_per_mw"] > 0]
    new_mw = supplies["available_mw"] - supplies["prev_available_mw"]
    fixed = (links["build_cost_usd"] * (links["built_f"] - links["prev_built_f"])).where(links["build_cost_usd"] > 0, 0.0)
    connection = (tranches["taken_f"] - tranches["prev_taken_f"]) * (
        tranches["cost_usd_per_mw"] * tranches["tranche_firm_mw"] + tranches["fixed_cost_usd"]
    )
    expand = links["expand_cost_usd_per_mw"] * (links["expansion_mw"] - links["prev_expansion_mw"])
    parts = [  # (category, frame, USD, life)
        ("site_open", sites, sites["open_cost_usd"] * (sites["open_f"] - sites["prev_open_f"]), sites["site_life"]),
        ("site_capex", sites, sites["capex_usd_per_mw"] * sites["block_mw"] * (sites["blocks"] - sites["prev_blocks"]), sites["site_life"]),
        ("chip_capex", chips, chips["capex_usd_per_unit"] * chips["installed_units"], chips["chip_life"]),
        ("supply_capex", supplies, supplies["build_cost_usd_per_mw"] * new_mw, supplies["supply_life"]),
        ("link_capex", links, expand + fixed, links["link_life"]),
        ("interconnection", tranches, connection, tranches["tranche_life"]),
        ("onsite_capex", onsite, onsite_capital, onsite["tech_life"]),
    ]
    frames = [pd.DataFrame({"category": k, "year": f["year"], "usd": usd, "life": life}) for k, f, usd, life in parts]
    built = pd.concat(frames, ignore_index=True).assign(through=float(horizon_end(ctx.settings)))
    is_chip = built["category"] == "chip_capex"
    built.loc[is_chip, "through"] = service_end(ctx.settings, built.loc[is_chip, "year"], built.loc[is_chip, "life"])
    return built


BUDGET_RULES = (Rule("budget", "usd <= budget", "USD", "capital spent above budget_usd_per_year x year weight", loose=True),)
EMISSION_RULES = (Rule("emissions_cap", "co2_t <= cap", "t", "emissions above emissions_cap_t_per_year", loose=True),)


def _check_policies(ctx: Context) -> list[Violation]:
    """Yearly capital budget (undiscounted, x year weight) and yearly emission cap, where the scenario sets them."""
    st, out = ctx.settings, []
    if st.budget_usd_per_year is not None:
        spent = capital(ctx).groupby("year", as_index=False)["usd"].sum()
        spent["budget"] = st.budget_usd_per_year * spent["year"].map(st.year_weights)
        out += ctx.apply(spent, "all investments", BUDGET_RULES)
    if st.emissions_cap_t_per_year is not None:
        co2 = pd.concat([ctx.plan["supplies"][["year", "co2_t"]], ctx.plan["onsite"][["year", "co2_t"]]], ignore_index=True)
        emitted = co2.groupby("year", as_index=False)["co2_t"].sum().assign(cap=st.emissions_cap_t_per_year)
        out += ctx.apply(emitted, "all supplies", EMISSION_RULES)
    return out


def expected_costs(ctx: Context) -> pd.DataFrame:
    """Discounted cost (``usd``) per ``category`` and ``year`` recomputed from the plan's quantities."""
    st = ctx.settings
    built = capital(ctx)
    built["usd"] *= annuity_weight(st, built["year"], built["life"], built["through"].to_numpy())
    sites, supplies, links, onsite = _site_frame(ctx), _supply_frame(ctx), _link_frame(ctx), _onsite_frame(ctx)
    mwh, paid_mwh = (supplies[c] * st.hours_per_year * st.load_factor for c in ("draw_mw", "paid_mw"))
    onsite_mwh = onsite["generation_mw"] * st.hours_per_year * st.load_factor + onsite["cover_mw"] * onsite["shed_frac"] * st.hours_per_year
    onsite_co2 = onsite_mwh * onsite["heat_rate_mmbtu_per_mwh"] * onsite["co2_kg_per_mmbtu"] / 1000.0
    onsite_price = onsite["heat_rate_mmbtu_per_mwh"] * onsite["fuel_price_usd_per_mmbtu"] + onsite["variable_om_usd_per_mwh"]
    curtailment = ctx.plan["curtailment"]
    sent_mwh = (links["flow_fwd_mw"] + links["flow_bwd_mw"]) * st.hours_per_year * st.load_factor
    prices = serve_pairs(ctx.scenario)[["region_id", "site_id", "cost_usd_per_eflops_yr"]]
    serving = ctx.plan["serving"].merge(prices, on=["region_id", "site_id"], how="left").fillna({"cost_usd_per_eflops_yr": 0.0})
    unserved = demand_rows(ctx).fillna({"value": 0.0})
    yearly = [  # (category, frame, USD per modelled year before discounting)
        ("site_fixed_om", sites, sites["fixed_om_usd_per_mw_yr"] * sites["blocks"] * sites["block_mw"]),
        ("energy", supplies, paid_mwh * supplies["energy_price_usd_per_mwh"]),
        ("carbon", supplies, mwh * supplies["co2_t_per_mwh"] * st.carbon_price_usd_per_t),
        ("wheeling", links, sent_mwh * links["wheeling_usd_per_mwh"]),
        ("serving", serving, serving["cost_usd_per_eflops_yr"] * serving["eflops"]),
        ("onsite_fixed_om", onsite, (onsite["capacity_mw"] - onsite["retired_mw"]) * onsite["fixed_om_usd_per_kw_yr"] * KW_PER_MW),
        ("onsite_energy", onsite, onsite_mwh * onsite_price),
        ("onsite_carbon", onsite, onsite_co2 * st.carbon_price_usd_per_t),
        ("lost_compute", curtailment, curtailment["lost_mwh"] * st.lost_compute_usd_per_mwh),
        ("unserved_inference", unserved, unserved["unserved"] * unserved["value"]),
    ]
    frames = [pd.DataFrame({"category": k, "year": f["year"], "usd": usd.astype(float) * op_weight(st, f["year"])}) for k, f, usd in yearly]
    costs = pd.concat([built[["category", "year", "usd"]], *frames, salvage(ctx), training_costs(ctx)], ignore_index=True)
    return costs.groupby(["category", "year"], as_index=False)["usd"].sum()


COST_RULES = (Rule("cost", "discounted_usd == usd", "USD", "costs table differs from the cost of the plan's quantities"),)
COST_VIEW_RULES = (
    Rule("cost_views", "annualised_discounted_usd == usd", "USD", "annualised view, discounted and summed over years, differs"),
)
OBJECTIVE_RULES = (Rule("objective", "objective == usd", "USD", "objective differs from the cost of the plan's quantities"),)
TOTAL_BUDGET_RULES = (Rule("total_budget", "usd <= budget", "USD", "discounted cost without forgone value above budget_usd", loose=True),)


def _check_costs(ctx: Context, objective_usd: float | None) -> list[Violation]:
    """The costs table against costs recomputed from the plan's quantities; their total against the objective (with
    ``objective: compute``: the forgone value plus :data:`COMPUTE_COST_WEIGHT` x the rest); the rest within ``budget_usd``."""
    st = ctx.settings
    expected = expected_costs(ctx)
    plan = ctx.plan["costs"].groupby(["category", "year"], as_index=False)["discounted_usd"].sum()
    f = plan.merge(expected, on=["category", "year"], how="outer").fillna({"discounted_usd": 0.0, "usd": 0.0})
    out = [v for rule in COST_RULES for v in _compare(f, rule, ctx.cost, ENTITY["costs"])]
    if "annualised_discounted_usd" in ctx.plan["costs"]:  # per category over all years: the annuities add up to the objective's
        views = ctx.plan["costs"].groupby("category", as_index=False)["annualised_discounted_usd"].sum()
        views = views.merge(expected.groupby("category", as_index=False)["usd"].sum(), on="category", how="outer").fillna(0.0)
        out += [v for rule in COST_VIEW_RULES for v in _compare(views.assign(year=st.years[0]), rule, ctx.cost, ENTITY["costs"])]
    forgone = expected.loc[expected["category"].isin(FORGONE), "usd"].sum()
    spent = expected["usd"].sum() - forgone
    if objective_usd is not None:
        wanted = forgone + COMPUTE_COST_WEIGHT * spent if st.objective == "compute" else forgone + spent
        total = pd.DataFrame({"objective": [float(objective_usd)], "usd": [wanted]})
        tolerance = Tol(ctx.cost.rtol, max(ctx.cost.atol, OBJECTIVE_ATOL_USD))
        out += [v for rule in OBJECTIVE_RULES for v in _compare(total, rule, tolerance, "objective")]
    if st.budget_usd is not None:
        budget = pd.DataFrame({"year": [st.years[0]], "usd": [spent], "budget": [st.budget_usd]})
        out += ctx.apply(budget, "all costs", TOTAL_BUDGET_RULES)
    return out


CHECKS: tuple[Callable[[Context], list[Violation]], ...] = (
    _check_sites,
    _check_chips,
    _check_retirement,
    _check_interconnection,
    _check_onsite,
    _check_curtailment,
    _check_power,
    _check_supplies,
    _check_links,
    _check_balance,
    _check_serving,
    _check_training,
    _check_policies,
)


def verify(
    scenario: Scenario,
    tables: Mapping[str, pd.DataFrame],
    objective_usd: float | None = None,
    *,
    columns: Mapping[str, Sequence[str]],
    rtol: float = 1e-6,
    atol: float = 1e-6,
    integer_units: bool = True,
) -> list[Violation]:
    """Check a plan's tables against every constraint of its scenario, independently of the model.

    Parameters
    ----------
    scenario
        The validated scenario the plan claims to solve.
    tables
        Plan tables by name.
    columns
        The table contract the tables must follow: table -> its columns (:data:`gigawatt.plan.tables.PLAN_TABLES`,
        plain data the model's families declare).
    objective_usd
        The solver's objective (USD); compared with the total cost recomputed from the tables when given.
    rtol, atol
        Relative and absolute tolerance; ``atol`` is in each row's unit (MW, units, EFLOP/s, t).
        Sums and balances of solver values use at least 1e-5 for both; costs ``rtol`` and 1 USD.
    integer_units
        Chip units must be whole numbers (``False`` when the plan was solved with continuous units).

    Returns
    -------
    list of Violation
        Empty when the plan satisfies every rule; otherwise one entry per rule, entity and year broken.
    """
    shape = _check_shape(tables, columns)
    if shape:
        return shape
    loose = Tol(max(rtol, LOOSE_RTOL), max(atol, LOOSE_ATOL))
    ctx = Context(scenario, {}, Tol(rtol, atol), loose, Tol(rtol, max(atol, COST_ATOL_USD)), integer_units)
    out = _normalise(ctx, tables, columns) + _complete(ctx)
    for check in CHECKS:
        out += check(ctx)
    return out + _check_costs(ctx, objective_usd)
