r"""On-site and bridge generation, and batteries, behind a site's meter (``generators.csv``).

Every site may build each technology k from its first year :math:`Y_0 + \lceil lead\_time\_years_k \rceil`
(equipment runs from the start of a modelled year), up to ``max_mw_per_site``; where ``unit_mw`` > 0 in
whole units. What is built stands to the horizon's end, like a site's blocks, but may be retired
early: a bridge generator runs before the grid tranche arrives and is retired (or kept idle as
backup) after. Retired capacity stops its fixed O&M; its capital annuity stays paid, as for chip
retirement (:mod:`gigawatt.model.retirement`).

Sets: ``ONSITE_INDEX`` (s, k, y): every site-year of a site (from its earliest_year) and every modelled year
from the technology's first year. Generation for ``kind`` generator; battery energy for ``kind`` battery;
cover on the site-years whose tranches offer non-firm MW (:func:`gigawatt.model.interconnection.nonfirm_years`).
:math:`a_k` = ``availability_frac``, :math:`u_k` = ``unit_mw``, :math:`f_s` the site's curtailment share
(:func:`gigawatt.model.interconnection.site_curtailment`), :math:`H` = ``hours_per_year``, :math:`LF` =
``load_factor``, :math:`h^{ev}` = ``curtailment_event_hours``.

.. math::

    built_{s,k,y} \ge built_{s,k,y^-}, \quad retired_{s,k,y} \ge retired_{s,k,y^-}, \quad retired_{s,k,y} \le built_{s,k,y}
        \le max\_mw\_per\_site_k \qquad [MW]

    built_{s,k,y} = u_k \, units_{s,k,y}, \quad retired_{s,k,y} = u_k \, retired\_units_{s,k,y}
        \qquad (u_k > 0;\; units \in \mathbb{Z}_{\ge 0})

    gen_{s,k,y} + cover_{s,k,y} \le a_k \,(built_{s,k,y} - retired_{s,k,y}) \qquad (\texttt{c\_onsite\_available})

    h^{ev} cover_{s,k,y} \le mwh_{s,k,y}, \quad mwh_{s,k,y} \ge mwh_{s,k,y^-} \qquad (\text{batteries})

    \sum_k gen_{s,k,y} \le energy_{s,y} \qquad (\texttt{c\_onsite\_behind\_meter}: \text{grid energy} \ge 0)

Generation (average MW, the scale of the ledger's ``energy_mw``) is registered with
:meth:`~gigawatt.model.ledger.Ledger.onsite`: the site's peak grid draw and its grid energy fall by it, so
the interconnection and the node balance read it with no edit; the last row keeps it behind the meter
(it never feeds the node). A battery makes no energy on average: it has no generation, only cover.
Cover (MW of curtailed non-firm load carried during an event, spare generator capacity or battery
discharge) is registered with :meth:`~gigawatt.model.ledger.Ledger.cover`; the curtailment family
(:mod:`gigawatt.model.curtailment`) sets it against the non-firm MW used.

Costs (USD, discounted; per MW of capacity ``1000 x`` the per-kW figures): capital
``capex_usd_per_kw`` per MW built (and ``capex_usd_per_kwh`` per MWh of battery) as an annuity over
``lifetime_years`` (category ``onsite_capex``); ``fixed_om_usd_per_kw_yr`` per MW in service each
year (``onsite_fixed_om``); energy at :math:`p_k` = ``heat_rate x fuel_price + variable_om`` USD/MWh on
:math:`gen \, H \, LF` MWh a year (as supplies count energy) plus :math:`cover \, f_s H` MWh of events
(``onsite_energy``); CO2 of ``heat_rate x co2_kg_per_mmbtu / 1000`` t per MWh on the same MWh, into the
ledger's emissions and priced at ``carbon_price_usd_per_t`` (``onsite_carbon``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import SimpleNamespace

import pandas as pd
import pyomo.environ as pyo

from gigawatt.model.data import ModelData, rows
from gigawatt.model.family import Extraction, Family, Rows, StartValues, Variables
from gigawatt.model.interconnection import nonfirm_years, site_curtailment
from gigawatt.model.ledger import Ledger, entry, linear
from gigawatt.model.options import ModelOptions

KW_PER_MW = 1000.0


def technologies(d: ModelData) -> dict[str, SimpleNamespace]:
    """The scenario's on-site technologies by ``tech_id`` (none without a ``generators`` table)."""
    table = d.scenario.tables.get("generators")
    return {} if table is None else rows(table.set_index("tech_id", drop=False))


def first_year(d: ModelData, tech: SimpleNamespace) -> int:
    """First modelled year the technology can be in service: the first modelled year plus its lead time, rounded up."""
    return d.horizon.first + math.ceil(float(tech.lead_time_years) - 1e-9)


def onsite_index(d: ModelData) -> list[tuple[str, str, int]]:
    """(site, technology, year) for every site-year from the technology's first year (none for a technology whose
    ``max_mw_per_site`` is 0: no site may build it)."""
    techs = {k: row for k, row in technologies(d).items() if row.max_mw_per_site > 0}
    firsts = {k: first_year(d, row) for k, row in techs.items()}
    return [(s, k, y) for s, y in d.site_years for k in techs if y >= firsts[k]]


def energy_price(tech: SimpleNamespace) -> float:
    """USD per MWh generated or discharged: ``heat_rate x fuel_price + variable_om``."""
    return float(tech.heat_rate_mmbtu_per_mwh * tech.fuel_price_usd_per_mmbtu + tech.variable_om_usd_per_mwh)


def co2_t_per_mwh(tech: SimpleNamespace) -> float:
    """Tonnes of CO2 per MWh: ``heat_rate x co2_kg_per_mmbtu / 1000``."""
    return float(tech.heat_rate_mmbtu_per_mwh * tech.co2_kg_per_mmbtu) / 1000.0


def _monotone(m: pyo.ConcreteModel, name: str, var: pyo.Var, prev: dict) -> None:
    """``name``: ``var`` at a key at least ``var`` at its previous year (a cumulative quantity)."""
    steps = [k for k in var if prev[k] in var]
    setattr(m, name, pyo.Constraint(steps, rule=lambda _, *k: var[k] >= var[prev[k]]))


def add_onsite(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """Declare built and retired capacity (whole units where sized so), generation, battery energy and cover; register
    on-site supply, cover, costs and emissions."""
    index = onsite_index(d)
    m.ONSITE_INDEX = pyo.Set(initialize=index, dimen=3, ordered=True)
    if not index:
        return
    techs, st = technologies(d), d.scenario.settings
    prev = {(s, k, y): (s, k, d.horizon.previous(y)) for s, k, y in index}
    top = {k: float(row.max_mw_per_site) for k, row in techs.items()}
    m.v_onsite_mw = pyo.Var(m.ONSITE_INDEX, domain=pyo.NonNegativeReals, bounds=lambda _, s, k, y: (0.0, top[k]))
    m.v_onsite_retired_mw = pyo.Var(m.ONSITE_INDEX, domain=pyo.NonNegativeReals, bounds=lambda _, s, k, y: (0.0, top[k]))
    _monotone(m, "c_onsite_monotone", m.v_onsite_mw, prev)
    _monotone(m, "c_onsite_retired_monotone", m.v_onsite_retired_mw, prev)
    m.c_onsite_retired = pyo.Constraint(m.ONSITE_INDEX, rule=lambda _, *k: m.v_onsite_retired_mw[k] <= m.v_onsite_mw[k])
    whole = [key for key in index if techs[key[1]].unit_mw > 0]
    most = {k: math.floor(top[k] / row.unit_mw + 1e-9) for k, row in techs.items() if row.unit_mw > 0}
    m.v_onsite_units = pyo.Var(whole, domain=pyo.NonNegativeIntegers, bounds=lambda _, s, k, y: (0, most[k]))
    m.v_onsite_retired_units = pyo.Var(whole, domain=pyo.NonNegativeIntegers, bounds=lambda _, s, k, y: (0, most[k]))
    size = {k: float(row.unit_mw) for k, row in techs.items()}
    m.c_onsite_units = pyo.Constraint(
        whole, rule=lambda _, s, k, y: linear([(1.0, m.v_onsite_mw[s, k, y]), (-size[k], m.v_onsite_units[s, k, y])]) == 0
    )
    m.c_onsite_retired_units = pyo.Constraint(
        whole,
        rule=lambda _, s, k, y: linear([(1.0, m.v_onsite_retired_mw[s, k, y]), (-size[k], m.v_onsite_retired_units[s, k, y])]) == 0,
    )
    batteries = [key for key in index if techs[key[1]].kind == "battery"]
    m.v_onsite_gen = pyo.Var([key for key in index if techs[key[1]].kind == "generator"], domain=pyo.NonNegativeReals)
    m.v_onsite_mwh = pyo.Var(batteries, domain=pyo.NonNegativeReals)
    _monotone(m, "c_onsite_mwh_monotone", m.v_onsite_mwh, prev)
    shed = site_curtailment(d)
    curtailable = {(s, y) for s, _, y in nonfirm_years(d)}
    m.v_onsite_cover = pyo.Var([key for key in index if (key[0], key[2]) in curtailable], domain=pyo.NonNegativeReals)
    hours = st.curtailment_event_hours
    m.c_onsite_battery_energy = pyo.Constraint(
        [key for key in batteries if key in m.v_onsite_cover],
        rule=lambda _, *key: linear([(hours, m.v_onsite_cover[key]), (-1.0, m.v_onsite_mwh[key])]) <= 0,
    )

    def available(_: pyo.ConcreteModel, *key: object) -> object:
        a = float(techs[key[1]].availability_frac)
        used = [(1.0, x) for x in (entry(m.v_onsite_gen, key), entry(m.v_onsite_cover, key)) if x is not None]
        if not used:
            return pyo.Constraint.Skip
        return linear([*used, (-a, m.v_onsite_mw[key]), (a, m.v_onsite_retired_mw[key])]) <= 0

    m.c_onsite_available = pyo.Constraint(m.ONSITE_INDEX, rule=available)
    energy_h = st.hours_per_year * st.load_factor
    for s, k, y in index:
        row, key = techs[k], (s, k, y)
        life, price, co2 = int(row.lifetime_years), energy_price(row), co2_t_per_mwh(row)
        built, retired = m.v_onsite_mw[key], m.v_onsite_retired_mw[key]
        ledger.capital_step("onsite_capex", y, life, row.capex_usd_per_kw * KW_PER_MW, built, entry(m.v_onsite_mw, prev[key]))
        if key in m.v_onsite_mwh:
            ledger.capital_step(
                "onsite_capex", y, life, row.capex_usd_per_kwh * KW_PER_MW, m.v_onsite_mwh[key], entry(m.v_onsite_mwh, prev[key])
            )
        ledger.yearly("onsite_fixed_om", y, row.fixed_om_usd_per_kw_yr * KW_PER_MW, built)
        ledger.yearly("onsite_fixed_om", y, -row.fixed_om_usd_per_kw_yr * KW_PER_MW, retired)
        runs = []  # (MWh a year per MW, variable)
        if key in m.v_onsite_gen:
            ledger.onsite(s, y, 1.0, m.v_onsite_gen[key])
            runs.append((energy_h, m.v_onsite_gen[key]))
        if key in m.v_onsite_cover:
            ledger.cover(s, y, 1.0, m.v_onsite_cover[key])
            runs.append((shed[s] * st.hours_per_year, m.v_onsite_cover[key]))
        for mwh, x in runs:
            ledger.yearly("onsite_energy", y, mwh * price, x)
            ledger.yearly("onsite_carbon", y, mwh * co2 * st.carbon_price_usd_per_t, x)
            ledger.emit(y, mwh * co2, x)


def close_onsite(m: pyo.ConcreteModel, d: ModelData, ledger: Ledger, options: ModelOptions) -> None:
    """``c_onsite_behind_meter[s, y]``: the site's grid energy (facility power at the annual PUE less generation) stays
    at least 0: on-site generation never feeds the node."""
    keys = sorted({(s, y) for s, _, y in m.v_onsite_gen} if hasattr(m, "v_onsite_gen") else set())
    m.c_onsite_behind_meter = pyo.Constraint(keys, rule=lambda _, s, y: linear(ledger.grid_energy(s, y)) >= 0)


def extract_onsite(e: Extraction) -> None:
    """``onsite``: per site, technology and year with anything built, capacity, retirements, generation, cover and their costs."""
    d, st = e.data, e.data.scenario.settings
    techs = technologies(d)
    index = onsite_index(d)
    values = {name: e.values(name) for name in ("v_onsite_mw", "v_onsite_retired_mw", "v_onsite_gen", "v_onsite_mwh", "v_onsite_cover")}
    used = {(s, k) for s, k, y in index if any(v.get((s, k, y), 0.0) > 1e-9 for v in values.values())}
    keys = [key for key in index if key[:2] in used]
    f = pd.DataFrame(
        {
            "site_id": pd.Series([s for s, _, _ in keys], dtype=object),
            "tech_id": pd.Series([k for _, k, _ in keys], dtype=object),
            "year": [y for _, _, y in keys],
            "kind": pd.Series([techs[k].kind for _, k, _ in keys], dtype=object),
        }
    )
    columns = {
        "capacity_mw": "v_onsite_mw",
        "capacity_mwh": "v_onsite_mwh",
        "retired_mw": "v_onsite_retired_mw",
        "generation_mw": "v_onsite_gen",
        "cover_mw": "v_onsite_cover",
    }
    for column, name in columns.items():
        f[column] = [values[name].get(key, 0.0) for key in keys]
    tech = {
        "unit_mw": {k: float(r.unit_mw) for k, r in techs.items()},
        "per_kw": {k: float(r.capex_usd_per_kw) for k, r in techs.items()},
        "per_kwh": {k: float(r.capex_usd_per_kwh) for k, r in techs.items()},
        "fixed": {k: float(r.fixed_om_usd_per_kw_yr) for k, r in techs.items()},
        "price": {k: energy_price(r) for k, r in techs.items()},
        "co2": {k: co2_t_per_mwh(r) for k, r in techs.items()},
    }
    p = {name: f["tech_id"].map(by_tech).astype(float) for name, by_tech in tech.items()}
    unit = p["unit_mw"].where(p["unit_mw"] > 0)
    f["units"] = (f["capacity_mw"] / unit).fillna(0.0)
    f["retired_units"] = (f["retired_mw"] / unit).fillna(0.0)
    shed = f["site_id"].map(site_curtailment(d)).astype(float).fillna(0.0)
    f["energy_mwh"] = f["generation_mw"] * st.hours_per_year * st.load_factor + f["cover_mw"] * shed * st.hours_per_year
    group = f.groupby(["site_id", "tech_id"])
    # built capacity never falls (c_onsite_monotone): a fall is the solver's rounding, not negative capital
    new_mw = (f["capacity_mw"] - group["capacity_mw"].shift(1).fillna(0.0)).clip(lower=0.0)
    new_mwh = (f["capacity_mwh"] - group["capacity_mwh"].shift(1).fillna(0.0)).clip(lower=0.0)
    f["capital_usd"] = (new_mw * p["per_kw"] + new_mwh * p["per_kwh"]) * KW_PER_MW
    f["fixed_usd"] = (f["capacity_mw"] - f["retired_mw"]) * p["fixed"] * KW_PER_MW
    f["energy_usd"] = f["energy_mwh"] * p["price"]
    f["co2_t"] = f["energy_mwh"] * p["co2"]
    e.tables["onsite"] = f


def start_onsite(tables: Mapping[str, pd.DataFrame]) -> StartValues:
    """Whole units built and retired, from a plan's ``onsite`` table (technologies built in any amount have none)."""
    onsite = tables.get("onsite")
    if onsite is None or not len(onsite):
        return {}
    keys = list(zip(onsite["site_id"], onsite["tech_id"], onsite["year"], strict=True))
    return {
        "v_onsite_units": dict(zip(keys, onsite["units"].astype(float), strict=True)),
        "v_onsite_retired_units": dict(zip(keys, onsite["retired_units"].astype(float), strict=True)),
    }


KEY = ("site_id", "tech_id", "year")
ENTITY = "on-site {tech_id} at site {site_id}"
FAMILY = Family(
    name="onsite",
    add=add_onsite,
    close=close_onsite,
    order=55,
    variables=(
        Variables(
            "v_onsite_mw",
            "MW",
            KEY,
            at_upper="on-site {tech_id} at site {site_id} at its max_mw_per_site of {bound} MW",
            at_upper_many="{n} on-site plants at their max_mw_per_site",
        ),
        Variables("v_onsite_retired_mw", "MW", KEY),
        Variables("v_onsite_units", "units", KEY, role="block", commitment=True),
        Variables("v_onsite_retired_units", "units", KEY, role="block", commitment=True),
        Variables("v_onsite_gen", "MW", KEY),
        Variables("v_onsite_mwh", "MWh", KEY),
        Variables("v_onsite_cover", "MW", KEY),
    ),
    rows=(
        Rows("c_onsite_monotone", "MW", KEY, ENTITY),
        Rows("c_onsite_retired_monotone", "MW", KEY, ENTITY),
        Rows("c_onsite_retired", "MW", KEY, ENTITY),
        Rows("c_onsite_units", "MW", KEY, ENTITY, coefficients={"v_onsite_units": "generators.unit_mw"}),
        Rows("c_onsite_retired_units", "MW", KEY, ENTITY, coefficients={"v_onsite_retired_units": "generators.unit_mw"}),
        Rows("c_onsite_mwh_monotone", "MWh", KEY, ENTITY),
        Rows(
            "c_onsite_battery_energy",
            "MWh",
            KEY,
            ENTITY,
            coefficients={"v_onsite_cover": "settings.curtailment_event_hours"},
        ),
        Rows(
            "c_onsite_available",
            "MW",
            KEY,
            ENTITY,
            coefficients={"v_onsite_mw": "generators.availability_frac", "v_onsite_retired_mw": "generators.availability_frac"},
        ),
        Rows("c_onsite_behind_meter", "MW", ("site_id", "year"), "site {site_id}"),
    ),
    tables={
        "onsite": {
            "site_id": "site the equipment is behind the meter of",
            "tech_id": "on-site technology (rows for every modelled year from its first, where anything is built)",
            "year": "modelled year",
            "kind": "generator or battery",
            "capacity_mw": "power capacity built by then (cumulative, retired included)",
            "capacity_mwh": "battery energy capacity built by then (0 for generators)",
            "retired_mw": "capacity retired by then (cumulative; no fixed O&M, capital still paid)",
            "units": "whole units built by then (capacity_mw / unit_mw; 0 where built in any amount)",
            "retired_units": "whole units retired by then (0 where built in any amount)",
            "generation_mw": "average MW generated behind the meter (lowers the site's grid draw and grid energy)",
            "cover_mw": "MW of curtailed non-firm load it carries during a curtailment event",
            "energy_mwh": "MWh a year: generation_mw x hours_per_year x load_factor + cover_mw x curtailment share x hours_per_year",
            "capital_usd": "capital spent that year, undiscounted: new MW x capex_usd_per_kw x 1000 + new MWh x capex_usd_per_kwh x 1000",
            "fixed_usd": "fixed O&M a year, undiscounted: (capacity_mw - retired_mw) x fixed_om_usd_per_kw_yr x 1000",
            "energy_usd": "energy cost a year, undiscounted: energy_mwh x (heat_rate x fuel_price + variable_om)",
            "co2_t": "CO2 a year: energy_mwh x heat_rate x co2_kg_per_mmbtu / 1000",
        }
    },
    extract=extract_onsite,
    start=start_onsite,
)
