"""The family protocol: what each module under :mod:`gigawatt.model` declares next to its ``add_*``.

A *family* is one piece of physics or economics (sites, chips, the ceiling, ...). Its module holds a
``FAMILY = Family(...)`` that says, as plain data:

* ``variables`` (:class:`Variables`) and ``rows`` (:class:`Rows`): every ``v_*`` and ``c_*`` component it
  adds, with its unit, the names of its index parts, and what the rest of the package needs to know
  about it: the role a solve strategy gives a column, what a row's dual means in planners' units, the
  slack the infeasibility explanation may add to a row, which scenario values set a coefficient;
* ``tables``: the plan table columns it fills, with their meaning, and ``extract``: how it fills them;
  ``start``: the reverse for its integer decisions, plan tables to variable values (a MIP start);
* ``closes``: a closer reads the ledger after every producer has registered (site capacity, node
  balance, the ceiling, compute, policies, the objective); a producer registers terms before it;
* ``close``: a producer's own rows over the closed ledger, for a producer that also bounds what every
  family registered (interconnection: a site's grid draw within its energised tranches). It runs
  right after ``ledger.close()``, before the closers.

Duals, infeasibility, scaling warnings, the strategies' column groups, the plan's table contract and
the build test all read these declarations; none keeps a table of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd
    import pyomo.environ as pyo

    from gigawatt.model.data import ModelData
    from gigawatt.model.ledger import Ledger
    from gigawatt.model.options import ModelOptions

#: What a solve strategy does with a column: ``opening`` (a binary that opens an entity), ``block`` (whole
#: capacity blocks built in a year), ``unit`` (whole equipment units), ``build`` (a binary build decision),
#: ``assignment`` (a binary choosing where one workload goes whole: at most one per workload is 1),
#: ``continuous`` (everything else).
Role = Literal["opening", "block", "unit", "build", "assignment", "continuous"]
#: How a dual (million USD per row unit, whole horizon) becomes a planner's figure: ``per_year`` divides by the
#: year's discounted weight (USD per unit-year), ``per_mwh`` also by the energy hours, ``year_money`` by the
#: year's discount factor (USD of that year).
DualScale = Literal["per_year", "per_mwh", "year_money"]


#: Values of integer variables by name and index, read back from plan tables (a MIP start).
StartValues = dict[str, dict[tuple, float]]


@dataclass(frozen=True)
class Variables:
    """A ``v_*`` component.

    ``price_fixed``: held at the plan's value when duals are priced (the build); ``dual_free_upper`` and
    ``elastic_free_upper``: the upper bound repeats a row, so it is lifted when pricing (the dual then sits
    on the row) and in the elastic explanation (the row's slack can act); ``at_upper``: how the
    explanation names a column sitting on its upper bound (a format over the index names and ``bound``);
    ``at_upper_many``: how it names them all at once when more than a few sit there (a format over ``n``).
    ``commitment``: a decision to build, buy, contract or retire (indexed by year): in a two-stage plan
    (:mod:`gigawatt.analysis.futures`) its value in the years up to the commitment year is shared by every future.
    """

    name: str
    unit: str
    index: tuple[str, ...]
    role: Role = "continuous"
    price_fixed: bool = False
    dual_free_upper: bool = False
    elastic_free_upper: bool = False
    at_upper: str | None = None
    at_upper_many: str | None = None
    commitment: bool = False


@dataclass(frozen=True)
class Dual:
    """What one more unit of a row's bound is worth: ``name`` in the duals table, ``unit``, conversion, meaning."""

    name: str
    unit: str
    scale: DualScale
    explain: str


@dataclass(frozen=True)
class Slack:
    """A slack the infeasibility explanation may add to a row.

    ``sign`` +1 raises the row's activity (eases a requirement), -1 lowers it (eases a cap). ``message``
    is a format over the index names and ``slack``, ``bound``, ``total`` (bound +- slack), numbers already
    formatted. ``mw``: measured against the ceiling rather than the family's largest bound. ``weights``:
    the slack's penalty in the two views (``demand_first``, ``caps``); None keeps the row hard in a view.
    ``cap``: named among the caps a demand shortfall sits under (as ``the <bound> <unit> <cap>``).
    ``entity``: the finding's entity when it differs from the row's (a format over the index names).
    ``under_caps``: the finding names the caps the elastic solution sits on (a requirement held down by them).
    """

    requirement: str
    sign: float
    message: str
    demand_first: float | None
    caps: float | None
    mw: bool = False
    cap: str | None = None
    entity: str | None = None
    under_caps: bool = False


@dataclass(frozen=True)
class Rows:
    """A ``c_*`` component: unit, index names, entity wording (a format over the index names), dual and slack.

    ``coefficients`` names, per variable component, the scenario values that set its coefficient in these
    rows (for the warning about coefficients outside the solver's window).
    """

    name: str
    unit: str
    index: tuple[str, ...]
    entity: str
    dual: Dual | None = None
    slack: Slack | None = None
    coefficients: Mapping[str, str] = field(default_factory=dict)

    def key_fields(self, key: object) -> dict[str, object]:
        """The row's index as a mapping of index names to values."""
        parts = key if isinstance(key, tuple) else (key,)
        return dict(zip(self.index, parts, strict=True))

    def describe(self, key: object) -> str:
        """The entity a row is about, in planners' words (``site s1``, ``link l1 fwd``, ``all sites``)."""
        return self.entity.format_map(self.key_fields(key))

    def year(self, key: object) -> int:
        """The modelled year of a row."""
        return int(self.key_fields(key)["year"])  # type: ignore[call-overload]


@dataclass(frozen=True)
class Extraction:
    """What a family's ``extract`` reads: the data, solution values by variable component, ledger values and the tables so far."""

    data: ModelData
    values: Callable[[str], dict[object, float]]
    ledger_value: Callable[[list], float]
    ledger: Ledger
    integer_units: bool
    relaxed: bool
    tables: dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Family:
    """A family of variables and constraints: its builder and its declarations (see the module docstring).

    ``order`` places it in the build: producers first by order, then ``ledger.close()``, then the producers'
    ``close`` (by order), then closers by order.
    """

    name: str
    add: Callable[[pyo.ConcreteModel, ModelData, Ledger, ModelOptions], None]
    order: int
    closes: bool = False
    close: Callable[[pyo.ConcreteModel, ModelData, Ledger, ModelOptions], None] | None = None
    variables: tuple[Variables, ...] = ()
    rows: tuple[Rows, ...] = ()
    expressions: tuple[str, ...] = ()
    tables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    extract: Callable[[Extraction], None] | None = None
    start: Callable[[Mapping[str, pd.DataFrame]], StartValues] | None = None

    @property
    def components(self) -> tuple[str, ...]:
        """Names of every Pyomo component the family may add."""
        return tuple(v.name for v in self.variables) + tuple(r.name for r in self.rows) + self.expressions
