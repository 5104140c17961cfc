"""Scenario format, described as data.

Every table a scenario may hold is a :class:`TableSchema`: its file name, key column and
:class:`Column` entries (dtype, unit, bounds, default, description). The loader, the validator and
the generated documentation (``docs/scenario-format.md``) all read this one description.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Dtype = Literal["str", "int", "float", "bool"]


@dataclass(frozen=True)
class Slip:
    """A unit slip: the value times ``factor`` is what was meant if it was typed ``typed_in`` (``"in W"``)."""

    factor: float
    typed_in: str


@dataclass(frozen=True)
class Plausible:
    """Where real figures of a column lie: public figures span ``public``; a nonzero value outside
    ``warn`` (``public`` widened about tenfold) is warned about, with the :class:`Slip` that would explain it.
    """

    unit: str
    public: tuple[float, float]
    warn: tuple[float, float]
    source: str
    slips: tuple[Slip, ...] = ()


@dataclass(frozen=True)
class Column:
    """One column of a scenario table.

    ``ge``/``gt``/``le``/``lt`` are inclusive/exclusive numeric bounds; ``choices`` lists allowed
    string values. A column with ``required=False`` takes ``default`` where absent or empty.
    """

    name: str
    dtype: Dtype
    unit: str = ""
    description: str = ""
    required: bool = True
    default: object = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple[str, ...] = ()
    plausible: Plausible | None = None

    def bounds(self, only: str | None = None) -> str:
        """The numeric bounds as text (``≥ 1 and ≤ 3``); ``only`` picks one of ``ge``/``gt``/``le``/``lt``."""
        parts = [
            f"{op} {bound:g}"
            for key, op, bound in (("ge", "≥", self.ge), ("gt", ">", self.gt), ("le", "≤", self.le), ("lt", "<", self.lt))
            if bound is not None and only in (None, key)
        ]
        return " and ".join(parts)

    def expectation(self, only: str | None = None) -> str:
        """Human-readable statement of what a valid value looks like (``a number ≥ 1 and ≤ 3``).

        ``only`` names the one bound that was broken, to state just that (``a number ≥ 1``).
        """
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        kind = {"str": "text", "int": "a whole number", "float": "a number", "bool": "true or false"}[self.dtype]
        bounds = self.bounds(only)
        return f"{kind} {bounds}" if bounds else kind


@dataclass(frozen=True)
class TableSchema:
    """One CSV table of a scenario: ``<name>.csv`` with ``key`` unique per row."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str
    required: bool = True
    references: dict[str, str] = field(default_factory=dict)  # column -> "table.column"

    def __post_init__(self) -> None:
        if "source" not in self.column_names:
            object.__setattr__(self, "columns", (*self.columns, SOURCE))

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


_THOUSANDS_USD = Slip(1e3, "thousands of USD")
_MILLIONS_USD = Slip(1e6, "millions of USD")
#: Plausible ranges: public figures from docs/data-facts (sections 1-3), widened about tenfold for warnings.
UNIT_POWER = Plausible("kW per unit", (0.5, 200), (0.05, 2000), "server to rack, data-facts 1a-1b", (Slip(1e-3, "W"), Slip(1e3, "MW")))
UNIT_PRICE = Plausible(
    "USD per unit", (1e4, 5.9e6), (1e3, 1e9), "one accelerator to an NVL72 rack all-in, data-facts 1c", (_THOUSANDS_USD, _MILLIONS_USD)
)
UNIT_THROUGHPUT = Plausible(
    "PFLOP/s per unit",
    (0.2, 3600),
    (0.01, 1e5),
    "one TPU v5e to a Rubin NVL144 rack, data-facts 1a",
    (Slip(1e-3, "TFLOP/s"), Slip(1e3, "EFLOP/s")),
)
FACILITY_CAPEX = Plausible(
    "USD per MW", (7.4e6, 1.52e7), (5e5, 2e8), "construction per MW, data-facts 2a", (_MILLIONS_USD, Slip(1e3, "USD per kW"))
)
OPENING_COST = Plausible(
    "USD",
    (5.7e6, 5.4e8),
    (5e5, 5e9),
    "a substation to land and substations of a GW campus, data-facts 2b, 5a",
    (_MILLIONS_USD, _THOUSANDS_USD),
)
FIXED_OM = Plausible(
    "USD per MW-yr",
    (1.5e5, 4e5),
    (1e4, 1e7),
    "about 2.5 % of construction cost a year, data-facts 2a",
    (Slip(1e3, "USD per kW-yr"), _MILLIONS_USD),
)
ENERGY_PRICE = Plausible(
    "USD/MWh", (57.5, 186.4), (10, 2000), "US industrial prices, data-facts 3a", (Slip(10, "cents per kWh"), Slip(1e3, "USD per kWh"))
)
CONSTRUCTION_RAMP = Plausible(
    "MW per year",
    (280, 1000),
    (25, 1e4),
    "1 GW of facility power in 1 to 3.6 years from construction start, data-facts 2c",
    (Slip(1e-3, "kW per year"), Slip(1e3, "GW per year")),
)
ONSITE_CAPEX = Plausible(
    "USD per kW",
    (300, 8000),
    (30, 8e4),
    "batteries per kW to 2010 fuel cells, turbines 950-2,500, data-facts-wave2 4a",
    (Slip(1e-3, "USD per MW"), _THOUSANDS_USD),
)
SUPPLY_CAPEX = Plausible(
    "USD per MW", (8e5, 2.5e6), (1e4, 5e7), "generation or contracted capacity", (_MILLIONS_USD, Slip(1e3, "USD per kW"))
)

ID = dict(dtype="str")
SOURCE = Column("source", "str", description="Where the row's figures come from (free text; see SOURCES.md).", required=False, default="")
LAT = Column("lat", "float", "degrees", "Latitude (WGS84).", ge=-90, le=90)
LON = Column("lon", "float", "degrees", "Longitude (WGS84).", ge=-180, le=180)
COOLING = ("air", "liquid")


#: Default economic life of a grid connection (substation and network upgrades), years.
CONNECTION_LIFE_YEARS = 40
#: Default share of hours non-firm MW are shed: the 0.5 % column of the Duke Nicholas Institute study
#: (Rethinking Load Growth, 2025; ../shared/reference data-facts-wave2 section 5a).
DEFAULT_CURTAILMENT_FRAC = 0.005
ONSITE_KINDS = ("generator", "battery")
#: Most campuses one training run may span: groups are cliques of the latency graph, enumerated up to this size.
MAX_CAMPUSES = 8
#: Separates the families a training run may use (``nvidia;amd``).
FAMILY_SEPARATOR = ";"


def _earliest(what: str) -> Column:
    return Column("earliest_year", "int", "year", f"First year the {what} can be built or used.", required=False, default=0, ge=0)


def _lifetime(what: str, more: str = "") -> Column:
    return Column("lifetime_years", "int", "years", f"Economic life of the {what}; capital is an annuity over it.{more}", ge=1, le=200)


TABLES: dict[str, TableSchema] = {
    t.name: t
    for t in (
        TableSchema(
            "nodes",
            ("node_id",),
            (
                Column("node_id", **ID, description="Grid node (region, ISO zone or hub)."),
                LAT,
                LON,
                Column("name", "str", description="Readable name.", required=False, default=""),
                Column(
                    "nonfirm_cap_mw",
                    "float",
                    "MW",
                    "Most non-firm (curtailable) MW all tranches of the node's sites may use together (the balancing "
                    "area's headroom). Empty: no cap.",
                    required=False,
                    default=None,
                    ge=0,
                ),
            ),
            "Grid nodes: where supplies connect and sites draw power.",
        ),
        TableSchema(
            "sites",
            ("site_id",),
            (
                Column("site_id", **ID, description="Candidate campus."),
                Column("node_id", **ID, description="Grid node the campus connects to."),
                LAT,
                LON,
                Column("max_mw", "float", "MW", "Largest facility power the campus can host.", gt=0),
                Column("block_mw", "float", "MW", "Facility power of one capacity block (the build increment).", gt=0),
                Column(
                    "open_cost_usd",
                    "float",
                    "USD",
                    "One-off cost to open the campus (land, substation, shell).",
                    ge=0,
                    plausible=OPENING_COST,
                ),
                Column(
                    "capex_usd_per_mw", "float", "USD/MW", "Construction cost per MW of facility capacity.", ge=0, plausible=FACILITY_CAPEX
                ),
                Column(
                    "fixed_om_usd_per_mw_yr",
                    "float",
                    "USD/MW-yr",
                    "Fixed operation and maintenance per built MW.",
                    ge=0,
                    plausible=FIXED_OM,
                ),
                Column(
                    "pue",
                    "float",
                    "-",
                    "Annual power usage effectiveness: facility energy / IT energy over a year; prices energy and emissions.",
                    ge=1,
                    le=3,
                ),
                Column(
                    "pue_peak",
                    "float",
                    "-",
                    "Peak power usage effectiveness (hottest hours): facility power / IT power that sizes the campus, its "
                    "capacity and the ceiling; ≥ pue. Empty: pue × the setting pue_peak_factor.",
                    required=False,
                    default=None,
                    ge=1,
                    le=3,
                ),
                Column(
                    "cooling", "str", description="Cooling the campus offers; liquid halls also host air-cooled units.", choices=COOLING
                ),
                Column(
                    "ramp_mw_per_year",
                    "float",
                    "MW/yr",
                    "Most facility capacity the campus can add per calendar year (construction pace): between two modelled "
                    "years, this times the years between them; by the first modelled year, once. Empty: no limit.",
                    required=False,
                    default=None,
                    gt=0,
                    plausible=CONSTRUCTION_RAMP,
                ),
                _earliest("campus"),
                _lifetime("campus"),
            ),
            "Candidate AI campuses.",
            references={"node_id": "nodes.node_id"},
        ),
        TableSchema(
            "links",
            ("link_id",),
            (
                Column("link_id", **ID, description="Grid link (corridor) between two nodes."),
                Column("from_node", **ID, description="One end."),
                Column("to_node", **ID, description="Other end."),
                Column("capacity_mw", "float", "MW", "Existing transfer capacity available to new loads, each direction.", ge=0),
                Column("expand_max_mw", "float", "MW", "Largest expansion that can be built.", ge=0, required=False, default=0.0),
                Column(
                    "expand_cost_usd_per_mw",
                    "float",
                    "USD/MW",
                    "Cost per MW of expansion over the whole link.",
                    ge=0,
                    required=False,
                    default=0.0,
                ),
                Column(
                    "build_cost_usd", "float", "USD", "Fixed cost paid once if any expansion is built.", ge=0, required=False, default=0.0
                ),
                Column("loss_frac", "float", "-", "Share of sent power lost on the way.", ge=0, lt=1),
                Column(
                    "wheeling_usd_per_mwh",
                    "float",
                    "USD/MWh",
                    "Charge per MWh sent over the link, either direction (flow × hours_per_year × load_factor, as supplies' energy).",
                    ge=0,
                    required=False,
                    default=0.0,
                ),
                Column("length_km", "float", "km", "Route length.", ge=0),
                _earliest("expansion"),
                _lifetime("expansion"),
            ),
            "Grid links between nodes, with optional expansion.",
            required=False,
            references={"from_node": "nodes.node_id", "to_node": "nodes.node_id"},
        ),
        TableSchema(
            "supplies",
            ("supply_id",),
            (
                Column("supply_id", **ID, description="Power source or contract."),
                Column("node_id", **ID, description="Node it feeds."),
                Column("capacity_mw", "float", "MW", "Power available to new large loads.", ge=0),
                Column("energy_price_usd_per_mwh", "float", "USD/MWh", "Energy price.", ge=0, plausible=ENERGY_PRICE),
                Column("co2_t_per_mwh", "float", "t/MWh", "Emission intensity.", ge=0, le=5),
                Column(
                    "build_cost_usd_per_mw",
                    "float",
                    "USD/MW",
                    "Capital cost per MW contracted or built (0 for grid capacity).",
                    ge=0,
                    required=False,
                    default=0.0,
                    plausible=SUPPLY_CAPEX,
                ),
                Column(
                    "site_id",
                    **ID,
                    description="Campus the supply is dedicated to (a PPA or a co-located plant): it serves only that site, "
                    "at most the site's grid energy each year, and its node_id must be the site's node. Empty: it serves its "
                    "node, any campus there or beyond.",
                    required=False,
                    default=None,
                ),
                Column(
                    "min_take_frac",
                    "float",
                    "-",
                    "Take-or-pay share: each year the supply is available, its energy is paid on the larger of its draw and "
                    "this share of its available MW (capacity_mw, or the MW contracted when it has a build cost). "
                    "Emissions follow the draw.",
                    required=False,
                    default=0.0,
                    ge=0,
                    le=1,
                ),
                _earliest("supply"),
                _lifetime("supply"),
            ),
            "Power supplies at nodes, open to every campus there or dedicated to one.",
            references={"node_id": "nodes.node_id", "site_id": "sites.site_id"},
        ),
        TableSchema(
            "chips",
            ("chip_id",),
            (
                Column("chip_id", **ID, description="Accelerator generation, counted in deployable units."),
                Column("first_year", "int", "year", "First year on sale.", ge=0),
                Column("last_year", "int", "year", "Last year on sale.", ge=0),
                Column("accelerators_per_unit", "int", "-", "Accelerators in one unit (server or rack).", ge=1),
                Column(
                    "it_kw_per_unit", "float", "kW", "All-in IT power of one unit (host, network included).", gt=0, plausible=UNIT_POWER
                ),
                Column(
                    "pflops_per_unit",
                    "float",
                    "PFLOP/s",
                    "Dense throughput of one unit at the scenario's precision.",
                    gt=0,
                    plausible=UNIT_THROUGHPUT,
                ),
                Column("capex_usd_per_unit", "float", "USD", "Price of one unit, installed.", ge=0, plausible=UNIT_PRICE),
                _lifetime(
                    "unit",
                    " A unit counts in the modelled years that lie wholly inside its life and pays the annuity for those calendar years.",
                ),
                Column("cooling", "str", description="Cooling the unit needs.", choices=COOLING),
                Column("max_units_per_year", "float", "units/yr", "Supply cap on installs per year.", ge=0),
                Column(
                    "family",
                    "str",
                    description="Accelerator family (vendor line, e.g. nvidia, amd, aws, google): a training run bound to one "
                    "family uses compute of that family only. Empty: the chip_id (a family of its own).",
                    required=False,
                    default=None,
                ),
                Column(
                    "salvage_frac",
                    "float",
                    "-",
                    "Share of the unit price recovered when a unit is retired new, falling linearly to 0 at the end of its life.",
                    required=False,
                    default=0.0,
                    ge=0,
                    le=1,
                ),
            ),
            "Accelerator generations.",
        ),
        TableSchema(
            "demand",
            ("year", "region_id"),
            (
                Column("year", "int", "year", "Year the compute is required."),
                Column(
                    "region_id", **ID, description="Region consuming it ('all' without a regions table).", required=False, default="all"
                ),
                Column("eflops", "float", "EFLOP/s", "Dense compute to deliver.", ge=0),
                Column(
                    "value_usd_per_eflops_yr",
                    "float",
                    "USD/EFLOP/s-yr",
                    "Value of compute not delivered (bought elsewhere or forgone): the plan may leave demand unserved at "
                    "this price per EFLOP/s-year; empty for strict demand, a hard requirement.",
                    ge=0,
                    required=False,
                    default=None,
                ),
            ),
            "Compute demand per year and region.",
            references={"region_id": "regions.region_id"},
        ),
        TableSchema(
            "regions",
            ("region_id",),
            (
                Column("region_id", **ID, description="Where compute is consumed."),
                LAT,
                LON,
                Column("max_latency_ms", "float", "ms", "Largest round-trip latency to a serving site.", gt=0),
            ),
            "Demand regions with latency bounds.",
            required=False,
        ),
        TableSchema(
            "serving",
            ("region_id", "site_id"),
            (
                Column("region_id", **ID, description="Region."),
                Column("site_id", **ID, description="Site allowed to serve it."),
                Column(
                    "cost_usd_per_eflops_yr",
                    "float",
                    "USD/EFLOP/s-yr",
                    "Cost of serving (network, egress).",
                    ge=0,
                    required=False,
                    default=0.0,
                ),
                Column(
                    "latency_ms", "float", "ms", "Round-trip latency; empty to derive from distance.", ge=0, required=False, default=None
                ),
            ),
            "Allowed region-site pairs; without it, pairs follow from distance and latency bounds.",
            required=False,
            references={"region_id": "regions.region_id", "site_id": "sites.site_id"},
        ),
        TableSchema(
            "training_runs",
            ("run_id",),
            (
                Column("run_id", **ID, description="Training run, placed whole for all its years on one campus or one group."),
                Column("first_year", "int", "year", "First calendar year the run needs its compute.", ge=0),
                Column("last_year", "int", "year", "Last calendar year the run needs its compute (the modelled years inside count).", ge=0),
                Column("eflops", "float", "EFLOP/s", "Sustained dense compute the run needs on one campus.", gt=0),
                Column(
                    "families",
                    "str",
                    description="Accelerator families (chips.family) the run may use, separated by ';'. Empty: any family.",
                    required=False,
                    default=None,
                ),
                Column(
                    "mix_families",
                    "bool",
                    description="Whether the run may mix families; false (the default): all its compute is of one family.",
                    required=False,
                    default=False,
                ),
                Column(
                    "max_campuses",
                    "int",
                    "-",
                    f"Most campuses the run may span; 1 (the default) keeps it co-located. At most {MAX_CAMPUSES}.",
                    required=False,
                    default=1,
                    ge=1,
                    le=MAX_CAMPUSES,
                ),
                Column(
                    "max_latency_ms",
                    "float",
                    "ms",
                    "Largest round-trip latency between any two of its campuses (great-circle km × latency_route_factor "
                    "× 0.0098 ms/km). Default 20.",
                    required=False,
                    default=20.0,
                    gt=0,
                ),
                Column(
                    "bandwidth_tbps",
                    "float",
                    "Tb/s",
                    "Inter-campus bandwidth the run needs when split, priced at fibre_usd_per_tbps_km_yr over the route km "
                    "of the minimum spanning tree of its campuses. Default 0.",
                    required=False,
                    default=0.0,
                    ge=0,
                ),
                Column(
                    "split_loss_frac",
                    "float",
                    "-",
                    "Scaling-efficiency loss when split over campuses: a split run needs eflops / (1 - split_loss_frac). "
                    "Default 0.04 (96 % scaling across sites about 20 ms apart).",
                    required=False,
                    default=0.04,
                    ge=0,
                    lt=1,
                ),
                Column(
                    "value_usd",
                    "float",
                    "USD",
                    "The run's value in USD of its first_year, forgone (a cost) if it is left unplaced. Empty: strict, the run "
                    "must be placed.",
                    required=False,
                    default=None,
                    ge=0,
                ),
            ),
            "Training runs: each placed whole, for all its years, on one campus or on one group of campuses within its "
            "latency, on one accelerator family unless it may mix them.",
            required=False,
        ),
        TableSchema(
            "training_sites",
            ("run_id", "site_id"),
            (
                Column("run_id", **ID, description="Training run."),
                Column("site_id", **ID, description="Campus the run may use."),
                Column(
                    "cost_usd", "float", "USD", "Placement cost, paid once when the run uses the campus.", required=False, default=0.0, ge=0
                ),
            ),
            "Allowed (run, campus) pairs: a run listed here may use only its listed campuses; runs not listed may use any.",
            required=False,
            references={"run_id": "training_runs.run_id", "site_id": "sites.site_id"},
        ),
        TableSchema(
            "interconnection",
            ("tranche_id",),
            (
                Column("tranche_id", **ID, description="Grid connection tranche: firm MW a site may draw once it is energised."),
                Column("site_id", **ID, description="Site the tranche connects."),
                Column("firm_mw", "float", "MW", "Firm grid draw the tranche allows once energised.", gt=0),
                Column(
                    "earliest_year",
                    "int",
                    "year",
                    "First year the tranche can be energised (its place in the queue and its lead time).",
                    ge=0,
                ),
                Column("cost_usd_per_mw", "float", "USD/MW", "Substation and network upgrades per firm MW.", ge=0),
                Column(
                    "fixed_cost_usd",
                    "float",
                    "USD",
                    "Cost paid once if the tranche is taken, whatever its size.",
                    ge=0,
                    required=False,
                    default=0.0,
                ),
                Column(
                    "lifetime_years",
                    "int",
                    "years",
                    f"Economic life of the connection; capital is an annuity over it. Default {CONNECTION_LIFE_YEARS}.",
                    required=False,
                    default=CONNECTION_LIFE_YEARS,
                    ge=1,
                    le=200,
                ),
                Column(
                    "nonfirm_mw",
                    "float",
                    "MW",
                    "Non-firm (flexible) grid draw the tranche also offers once taken, on condition that the campus sheds it in "
                    "curtailment_frac of hours. Default 0.",
                    required=False,
                    default=0.0,
                    ge=0,
                ),
                Column(
                    "nonfirm_earliest_year",
                    "int",
                    "year",
                    "First year the non-firm MW can be used; may be before earliest_year (the tranche is then taken from "
                    "this year, its firm MW count from earliest_year). Empty: earliest_year.",
                    required=False,
                    default=None,
                    ge=0,
                ),
                Column(
                    "curtailment_frac",
                    "float",
                    "-",
                    f"Share of the hours of a year the non-firm MW are shed. Default {DEFAULT_CURTAILMENT_FRAC} (0.5 %).",
                    required=False,
                    default=DEFAULT_CURTAILMENT_FRAC,
                    ge=0,
                    le=1,
                ),
            ),
            "Grid interconnection tranches: a site listed here draws from the grid at most the firm MW of its tranches "
            "energised by then, plus the non-firm MW it uses; a tranche is taken (paid for) or declined by the plan, and "
            "once taken stays. Sites without rows draw what they need.",
            required=False,
            references={"site_id": "sites.site_id"},
        ),
        TableSchema(
            "generators",
            ("tech_id",),
            (
                Column("tech_id", **ID, description="On-site (behind the meter) technology any site may build."),
                Column(
                    "kind",
                    "str",
                    description="generator (makes energy) or battery (covers curtailment events only; no energy on average).",
                    choices=ONSITE_KINDS,
                ),
                Column("capex_usd_per_kw", "float", "USD/kW", "Capital per kW of power capacity.", ge=0, plausible=ONSITE_CAPEX),
                Column(
                    "capex_usd_per_kwh",
                    "float",
                    "USD/kWh",
                    "Capital per kWh of energy capacity (batteries; 0 for generators).",
                    required=False,
                    default=0.0,
                    ge=0,
                ),
                Column(
                    "fixed_om_usd_per_kw_yr",
                    "float",
                    "USD/kW-yr",
                    "Fixed operation and maintenance per kW in service (not retired).",
                    required=False,
                    default=0.0,
                    ge=0,
                ),
                Column(
                    "heat_rate_mmbtu_per_mwh",
                    "float",
                    "MMBtu/MWh",
                    "Fuel burnt per MWh generated (0 for batteries).",
                    required=False,
                    default=0.0,
                    ge=0,
                    le=50,
                ),
                Column(
                    "fuel_price_usd_per_mmbtu",
                    "float",
                    "USD/MMBtu",
                    "Delivered fuel price.",
                    required=False,
                    default=0.0,
                    ge=0,
                ),
                Column(
                    "variable_om_usd_per_mwh",
                    "float",
                    "USD/MWh",
                    "Variable cost per MWh generated or discharged (or an all-in energy price where there is no fuel).",
                    required=False,
                    default=0.0,
                    ge=0,
                ),
                Column(
                    "co2_kg_per_mmbtu",
                    "float",
                    "kg/MMBtu",
                    "CO2 per MMBtu of fuel (natural gas 53.06).",
                    required=False,
                    default=0.0,
                    ge=0,
                    le=500,
                ),
                Column(
                    "lead_time_years",
                    "float",
                    "years",
                    "Delivery and permitting time: the technology is first in service in the first modelled year plus this, "
                    "rounded up to a modelled year. Default 0.",
                    required=False,
                    default=0.0,
                    ge=0,
                    le=100,
                ),
                Column(
                    "unit_mw",
                    "float",
                    "MW",
                    "Size of one unit where it is built in whole units; 0 (the default): any amount.",
                    required=False,
                    default=0.0,
                    ge=0,
                ),
                _lifetime("equipment"),
                Column("max_mw_per_site", "float", "MW", "Most power capacity of the technology one site may build.", ge=0),
                Column(
                    "availability_frac",
                    "float",
                    "-",
                    "Share of capacity in service available on average (outages, maintenance). Default 1.",
                    required=False,
                    default=1.0,
                    gt=0,
                    le=1,
                ),
            ),
            "On-site and bridge generation and batteries, behind a site's meter: they lower the site's grid draw and grid "
            "energy (never feed the node), may run before the grid arrives and be retired after; batteries cover "
            "curtailment events of non-firm grid connection.",
            required=False,
        ),
    )
}

#: Round trip latency per km of fibre route (ms/km): ~4.9 µs/km one way, doubled.
RTT_MS_PER_KM = 0.0098

#: Largest magnitude any number in a scenario may have, in its own unit: beyond every real figure
#: (1e15 MW, USD or EFLOP/s), and where the solver's arithmetic would no longer hold.
MAX_MAGNITUDE = 1e15

#: Smallest value a number that must be strictly positive may take: its reciprocal (a per-kW or per-MW
#: figure the model divides by) stays within :data:`MAX_MAGNITUDE`.
MIN_POSITIVE = 1 / MAX_MAGNITUDE
