"""Scenario format: schema, loading, validation."""

from gigawatt.scenario.errors import Problem, ScenarioError
from gigawatt.scenario.load import load_scenario
from gigawatt.scenario.scenario import Scenario
from gigawatt.scenario.schema import TABLES
from gigawatt.scenario.settings import Settings

__all__ = ["TABLES", "Problem", "Scenario", "ScenarioError", "Settings", "load_scenario"]
