"""The Plan's tables, described as data: one row per entity and year, units in column names.

This module is the contract between extraction and the independent verifier; neither imports the
other.
"""

from __future__ import annotations

PLAN_TABLES: dict[str, dict[str, str]] = {
    "sites": {
        "site_id": "candidate campus",
        "node_id": "grid node it draws from",
        "year": "modelled year (one row per year the site may exist, from its earliest_year)",
        "open": "campus open in that year (bool)",
        "blocks": "capacity blocks built so far (int)",
        "capacity_mw": "built facility capacity = blocks x block_mw",
        "facility_mw": "facility power of the active chips = pue x it_mw",
        "it_mw": "IT power of the active chips",
    },
    "chips": {
        "chip_id": "accelerator generation",
        "site_id": "where the units are",
        "year": "modelled year (rows where units are installed or active)",
        "installed_units": "units installed this year (a vintage; int unless integer_units=False)",
        "active_units": "units of every vintage still within lifetime_years",
        "it_mw": "active_units x it_kw_per_unit / 1000",
        "facility_mw": "it_mw x site pue",
        "eflops": "active_units x pflops_per_unit / 1000",
    },
    "links": {
        "link_id": "grid link",
        "year": "modelled year",
        "expansion_mw": "expansion built so far",
        "built": "expansion with a fixed build cost decided (bool; False where build_cost_usd is 0)",
        "capacity_mw": "capacity_mw + expansion_mw, each direction",
        "flow_fwd_mw": "power sent from from_node to to_node",
        "flow_bwd_mw": "power sent from to_node to from_node",
        "loss_mw": "loss_frac x (flow_fwd_mw + flow_bwd_mw)",
    },
    "supplies": {
        "supply_id": "power supply",
        "node_id": "node it feeds",
        "year": "modelled year (from earliest_year)",
        "available_mw": "contracted capacity (supplies with a build cost) or capacity_mw",
        "draw_mw": "power drawn",
        "energy_mwh": "draw_mw x hours_per_year x load_factor",
        "co2_t": "energy_mwh x co2_t_per_mwh",
    },
    "serving": {
        "region_id": "region served ('all' for the single pool)",
        "site_id": "serving site",
        "year": "modelled year (rows with compute served)",
        "eflops": "compute delivered",
    },
    "costs": {
        "category": "site_open, site_capex, site_fixed_om, chip_capex, supply_capex, link_capex, energy, carbon, serving",
        "year": "modelled year the cost is attributed to (capital: year built)",
        "discounted_usd": "contribution to the objective (present value, USD)",
    },
    "power": {
        "year": "modelled year",
        "facility_mw": "total facility power of all sites",
        "it_mw": "total IT power",
        "ceiling_mw": "the ceiling",
        "headroom_mw": "ceiling_mw - facility_mw",
    },
}
