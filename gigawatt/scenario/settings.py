"""Typed scenario settings (``scenario.yaml``), validated by pydantic with unknown keys forbidden."""

from __future__ import annotations

import itertools
import types
import typing

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from gigawatt.scenario.schema import MAX_MAGNITUDE, MIN_POSITIVE

#: Solver threads a scenario or a call may ask for (HiGHS aborts the process far above this).
MAX_THREADS = 1024
#: With ``objective: compute``, the weight of each USD of cost next to each USD of forgone value in the objective: a
#: tie-break among plans delivering the same value (the cheapest wins), small enough that compute worth more than a
#: ten-thousandth of what it costs is still bought. Shared by the model and the verifier (which recomputes the objective).
COMPUTE_COST_WEIGHT = 1e-4


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _not_a_flag(cls, value: object, info: ValidationInfo) -> object:
        """``true`` is not a number: YAML reads ``yes``, ``on`` and ``true`` as true, which pydantic would take for 1."""
        if isinstance(value, bool) and _numeric(cls.model_fields[info.field_name or ""].annotation):
            raise ValueError(f"{str(value).lower()} is not a number (YAML reads yes, no, on, off as true or false); expected a number")
        return value

    @field_validator("*")
    @classmethod
    def _real_figure(cls, value: object, info: ValidationInfo) -> object:
        """Numbers are finite (``allow_inf_nan``) and at most :data:`MAX_MAGNITUDE` in size, like table cells;
        strictly positive ones at least :data:`MIN_POSITIVE`, so their reciprocals are real figures too."""
        if isinstance(value, float) and abs(value) > MAX_MAGNITUDE:
            raise ValueError(f"beyond any real figure; expected a number of magnitude at most {MAX_MAGNITUDE:.0e}")
        positive = any(isinstance(m, annotated_types.Gt) and m.gt == 0 for m in cls.model_fields[info.field_name or ""].metadata)
        if positive and isinstance(value, int | float) and 0 < value < MIN_POSITIVE:
            raise ValueError(
                f"too small to be a real figure (its reciprocal is beyond {MAX_MAGNITUDE:.0e}); expected a number ≥ {MIN_POSITIVE:.0e}"
            )
        return value


def _numeric(annotation: object) -> bool:
    """Whether a field's type is a number, possibly optional (``float``, ``int | None``)."""
    options = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    return any(option in (int, float) for option in options)


class YearRange(_Strict):
    """Years from ``start`` to ``end`` inclusive, every ``step`` years."""

    start: int = Field(ge=1900, le=2300)
    end: int = Field(ge=1900, le=2300)
    step: int = Field(default=1, ge=1)

    def expand(self) -> list[int]:
        return list(range(self.start, self.end + 1, self.step))


class SolverSettings(_Strict):
    """Solver defaults; call-time arguments take precedence."""

    name: str = Field(default="highs", description="Solver backend.")
    time_limit: float | None = Field(
        default=None,
        gt=0,
        description="Wall-clock limit in seconds on a solve, building the model included "
        "(a large MIP is stopped at most about a second past it); none for no limit.",
    )
    mip_gap: float = Field(default=1e-3, ge=0, description="Relative optimality gap at which the solver stops.")
    threads: int | None = Field(default=None, ge=1, le=MAX_THREADS, description="Solver threads; none for the solver's choice.")


class Settings(_Strict):
    """Scenario-wide settings. Units are in the names."""

    name: str = Field(description="Scenario name, shown in summaries and saved plans.")
    description: str = Field(default="", description="One line on what the scenario studies.")
    years: list[int] = Field(
        description="Modelled years, strictly increasing (1900-2300): a list, or a range {start, end, step}. "
        "Each stands for the calendar years up to the next."
    )
    discount_rate: float = Field(default=0.07, ge=0, lt=1, description="Discount rate per year for costs and annuities.")
    ceiling_mw: float = Field(gt=0, description="Power ceiling: total peak facility power (IT × pue_peak) of all sites, in MW.")
    #: No public figure for peak over annual PUE was found (data-facts section 4 lists annual fleet figures only):
    #: the default 1.0 keeps peak = annual, an assumption a scenario should replace (e.g. 1.1 for a hot summer peak).
    pue_peak_factor: float = Field(
        default=1.0,
        ge=1,
        le=3,
        description="Peak PUE over annual PUE, for sites without a pue_peak; 1 (the default) sizes campuses at their annual PUE.",
    )
    national_ramp_mw_per_year: float | None = Field(
        default=None,
        gt=0,
        description="Cap on facility capacity added per calendar year across all sites (construction pace); none for no cap.",
    )
    #: Default from GPU rental prices: an H100 at 2.35 USD/h over 1.275 kW x PUE 1.2 is about 1,540 USD per MWh, a B200
    #: at 3.75-6.00 USD/h over 2.15 kW 1,750-2,790 (data-facts-wave2 section 5c); 2,000 sits inside that range.
    lost_compute_usd_per_mwh: float = Field(
        default=2000.0,
        ge=0,
        description="Value of compute lost when non-firm grid MW are curtailed and nothing behind the meter covers them, "
        "USD per MWh of facility power shed.",
    )
    curtailment_event_hours: float = Field(
        default=4.0,
        gt=0,
        le=8784,
        description="Length of one curtailment event, hours: a battery covering C MW of curtailed load needs C x this MWh.",
    )
    hours_per_year: float = Field(default=8760.0, gt=0, le=8784, description="Hours in a year, for energy costs.")
    load_factor: float = Field(default=0.8, gt=0, le=1, description="Average draw over built capacity, for energy and emissions.")
    carbon_price_usd_per_t: float = Field(default=0.0, ge=0, description="Price on emitted CO2, USD per tonne.")
    budget_usd_per_year: float | None = Field(
        default=None, ge=0, description="Cap on capital spent per calendar year (undiscounted); none for no cap."
    )
    objective: typing.Literal["cost", "compute"] = Field(
        default="cost",
        description="What the plan optimises: `cost` minimises discounted cost (compute not delivered costs its value); "
        "`compute` maximises the value of compute delivered (minimises the forgone value), with cost as a tie-break "
        f"weighted {COMPUTE_COST_WEIGHT:g} per USD. `compute` needs demand (or a training run) with a value.",
    )
    budget_usd: float | None = Field(
        default=None,
        ge=0,
        description="Cap on the plan's total discounted cost excluding the value of compute not delivered, USD "
        "(with `objective: compute`: how much compute this budget buys); none for no cap.",
    )
    emissions_cap_t_per_year: float | None = Field(
        default=None, ge=0, description="Cap on tonnes of CO2 per modelled year; none for no cap."
    )
    #: Glass cost per Tbps-km, derived in data-facts-wave2 section 2: a 216-pair cable at 53,300 USD/km with 25 Tb/s per
    #: pair is about 10 USD per Tbps-km of capital, about 0.5 a year over 20 years. An estimate: DWDM terminals and
    #: amplifier huts are left out.
    fibre_usd_per_tbps_km_yr: float = Field(
        default=0.5,
        ge=0,
        description="Inter-campus bandwidth of a split training run, USD per Tb/s per route-km per year (default: glass "
        "cost only, an estimate excluding DWDM terminals and amplifiers).",
    )
    #: 50 keeps every campus of a 35-campus scenario as a single-campus candidate and the 15 cheapest splits; each kept
    #: group is one binary per accelerator family it can use.
    max_groups_per_run: int = Field(
        default=50,
        ge=1,
        description="Candidate campus groups kept per training run (single campuses first, then the cheapest bandwidth), "
        "after those that cannot host the run are dropped.",
    )
    latency_route_factor: float = Field(default=1.3, ge=1, description="Fibre route length over great-circle distance, for latencies.")
    solver: SolverSettings = Field(default=SolverSettings(), description="Solver defaults (nested keys).")

    @field_validator("years", mode="before")
    @classmethod
    def _expand_years(cls, value: object) -> object:
        if isinstance(value, dict):
            try:
                return YearRange.model_validate(value).expand()
            except ValidationError as err:
                details = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'years'}: {e['msg']}" for e in err.errors())
                raise ValueError(f"years as a range (start, end, step): {details}") from None
        if isinstance(value, int) and not isinstance(value, bool):
            return [value]
        return value

    @field_validator("years")
    @classmethod
    def _years_sorted(cls, years: list[int]) -> list[int]:
        if not years:
            raise ValueError("years must list at least one year")
        if sorted(set(years)) != list(years):
            raise ValueError("years must be strictly increasing, each listed once")
        if not all(1900 <= y <= 2300 for y in years):
            raise ValueError("years must lie between 1900 and 2300")
        return years

    @property
    def year_weights(self) -> dict[int, int]:
        """Calendar years each modelled year stands for (gap to the next; the last as the one before)."""
        ys = self.years
        gaps = [b - a for a, b in itertools.pairwise(ys)]
        last = gaps[-1] if gaps else 1
        return dict(zip(ys, [*gaps, last], strict=True))


#: Keys scenario.yaml may hold besides the settings.
FILE_KEYS = ("extends", "tables")
