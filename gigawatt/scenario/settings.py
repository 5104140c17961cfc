"""Typed scenario settings (``scenario.yaml``), validated by pydantic with unknown keys forbidden."""

from __future__ import annotations

import itertools

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class YearRange(_Strict):
    """Years from ``start`` to ``end`` inclusive, every ``step`` years."""

    start: int = Field(ge=1900, le=2300)
    end: int = Field(ge=1900, le=2300)
    step: int = Field(default=1, ge=1)

    def expand(self) -> list[int]:
        return list(range(self.start, self.end + 1, self.step))


class SolverSettings(_Strict):
    """Solver defaults; call-time arguments take precedence."""

    name: str = "highs"
    time_limit: float | None = Field(default=None, gt=0, description="seconds")
    mip_gap: float = Field(default=1e-3, ge=0, description="relative")
    threads: int | None = Field(default=None, ge=1)


class Settings(_Strict):
    """Scenario-wide settings. Units are in the names."""

    name: str
    description: str = ""
    years: list[int]
    discount_rate: float = Field(default=0.07, ge=0, lt=1)
    ceiling_mw: float = Field(gt=0)
    hours_per_year: float = Field(default=8760.0, gt=0, le=8784)
    load_factor: float = Field(default=0.8, gt=0, le=1)
    carbon_price_usd_per_t: float = Field(default=0.0, ge=0)
    budget_usd_per_year: float | None = Field(default=None, ge=0)
    emissions_cap_t_per_year: float | None = Field(default=None, ge=0)
    latency_route_factor: float = Field(default=1.3, ge=1, description="fibre route / great-circle distance")
    solver: SolverSettings = SolverSettings()

    @field_validator("years", mode="before")
    @classmethod
    def _expand_years(cls, value: object) -> object:
        if isinstance(value, dict):
            return YearRange(**value).expand()
        return value

    @model_validator(mode="after")
    def _years_sorted(self) -> Settings:
        if not self.years:
            raise ValueError("years must list at least one year")
        if sorted(set(self.years)) != list(self.years):
            raise ValueError(f"years must be strictly increasing, got {self.years}")
        if not all(1900 <= y <= 2300 for y in self.years):
            raise ValueError("years must lie between 1900 and 2300")
        return self

    @property
    def year_weights(self) -> dict[int, int]:
        """Calendar years each modelled year stands for (gap to the next; the last as the one before)."""
        ys = self.years
        gaps = [b - a for a, b in itertools.pairwise(ys)]
        last = gaps[-1] if gaps else 1
        return dict(zip(ys, [*gaps, last], strict=True))


#: Keys scenario.yaml may hold besides the settings.
FILE_KEYS = ("extends", "tables")
