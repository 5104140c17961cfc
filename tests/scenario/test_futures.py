"""The futures table (:mod:`gigawatt.scenario.futures`): reading, every problem named with its line, the expected-value future."""

from __future__ import annotations

from pathlib import Path

import pytest

import gigawatt as gw
from gigawatt.scenario.futures import Future, Futures, load_futures
from tests.builders import SCENARIOS, scenario


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "futures.csv"
    path.write_text(text)
    return path


def test_the_pool_futures_load_and_each_future_changes_what_it_says():
    scn = gw.load_scenario(SCENARIOS / "pool")
    futures = load_futures(SCENARIOS / "pool" / "futures.csv", scn)
    assert futures.ids == ["rubin_on_time", "rubin_late", "rubin_half", "grid_late"]
    assert sum(f.probability for f in futures) == pytest.approx(1.0)
    late = futures.items[1].scenario(scn).tables["chips"].set_index("chip_id")
    assert late.at["rubin_nvl144", "first_year"] == scn.tables["chips"].set_index("chip_id").at["rubin_nvl144", "first_year"] + 1
    grid = futures.items[3].scenario(scn).tables["interconnection"]
    before = scn.tables["interconnection"]
    shifted = before.earliest_year.where(before.earliest_year < 2027, before.earliest_year + 2)
    assert grid.earliest_year.tolist() == shifted.tolist()  # each tranche not yet energised moves once, by two years


def test_every_problem_is_named_with_its_line_and_column(tmp_path):
    path = write(
        tmp_path,
        "future_id,probability,overrides\na,0.5,\na,1.5,ceiling_mw*=2\n,0.2,chips[nope].first_year+=1\nd,x,not an override\n",
    )
    with pytest.raises(gw.ScenarioError) as info:
        load_futures(path, scenario())
    text = str(info.value)
    assert "futures.csv, line 3, column 'future_id': 'a': future given twice (first on line 2)" in text
    assert "futures.csv, line 3, column 'probability': 1.5: expected a probability in (0, 1]" in text
    assert "futures.csv, line 4, column 'future_id': empty; expected a name for the future" in text
    assert "futures.csv, line 4, column 'overrides'" in text and "no row of chips.csv has chip_id = 'nope'" in text
    assert "futures.csv, line 5, column 'probability': 'x'" in text
    assert "futures.csv, line 5, column 'overrides': 'not an override': expected KEY=VALUE items separated by ';'" in text


def test_columns_and_the_probability_sum_are_checked(tmp_path):
    with pytest.raises(gw.ScenarioError, match="column 'overrides': missing column"):
        load_futures(write(tmp_path, "future_id,probability\na,1\n"), scenario())
    with pytest.raises(gw.ScenarioError, match="column 'weight': unknown column"):
        load_futures(write(tmp_path, "future_id,probability,overrides,weight\na,1,,2\n"), scenario())
    with pytest.raises(gw.ScenarioError, match=r"probabilities sum to 0\.9; expected 1"):
        load_futures(write(tmp_path, "future_id,probability,overrides\na,0.5,\nb,0.4,\n"), scenario())


def test_the_expected_value_future_averages_each_key():
    """first_year+: 0.6 x 1 + 0.4 x 0 = 0.6, rounded to 1 (whole years); pflops*: 0.3 x 0.5 + 0.7 x 1 = 0.85; ceiling_mw set by
    all: 0.6 x 4000 + 0.4 x 5000 = 4400; a cell set to text by futures of weight 0.6: the most probable one's text;
    a '+' averaging to 0 is left out."""
    futures = Futures(
        (
            Future("a", 0.3, {"chips[x].first_year+": 1, "chips[x].pflops_per_unit*": 0.5, "ceiling_mw": 4000, "chips[x].cooling": "air"}),
            Future("b", 0.3, {"chips[x].first_year+": "1", "ceiling_mw": 4000, "chips[x].cooling": "liquid", "demand.eflops+": 1}),
            Future("c", 0.4, {"ceiling_mw": 5000, "demand.eflops+": -0.75}),
        )
    )
    assert futures.expected_overrides() == pytest.approx(
        {"chips[x].first_year+": 1, "chips[x].pflops_per_unit*": 0.85, "ceiling_mw": 4400.0, "chips[x].cooling": "air"}
    )
