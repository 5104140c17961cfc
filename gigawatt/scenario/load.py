"""Loading a scenario folder: ``extends`` chains, table lookup, and path safety."""

from __future__ import annotations

from pathlib import Path

from gigawatt.scenario.errors import Problem, ScenarioError
from gigawatt.scenario.files import inside, read_csv, read_yaml
from gigawatt.scenario.scenario import Scenario
from gigawatt.scenario.schema import TABLES

MAX_EXTENDS_DEPTH = 16


def merge(base: dict, top: dict) -> dict:
    """Deep-merge settings: nested mappings merge key by key, anything else in ``top`` wins."""
    out = dict(base)
    for key, value in top.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _chain(folder: Path, root: Path) -> list[tuple[Path, dict]]:
    """Folders from the most basic to ``folder`` with their YAML, following ``extends``."""
    chain: list[tuple[Path, dict]] = []
    seen: list[Path] = []
    current = folder
    while True:
        real = current.resolve()
        if real in seen:
            cycle = " -> ".join(p.name for p in [*seen, real])
            raise ScenarioError([Problem("scenario.yaml", f"'extends' forms a cycle: {cycle}", column="extends")])
        if len(seen) >= MAX_EXTENDS_DEPTH:
            raise ScenarioError([Problem("scenario.yaml", f"'extends' chain deeper than {MAX_EXTENDS_DEPTH}", column="extends")])
        seen.append(real)
        data = read_yaml(current / "scenario.yaml")
        chain.append((current, data))
        parent = data.get("extends")
        if parent is None:
            break
        if not isinstance(parent, str):
            raise ScenarioError(
                [Problem(f"{current.name}/scenario.yaml", "expected a relative folder path", column="extends", value=parent)]
            )
        nxt = current / parent
        if not inside(nxt, root):
            raise ScenarioError(
                [
                    Problem(
                        f"{current.name}/scenario.yaml",
                        f"extends a folder outside the scenarios root {root}",
                        column="extends",
                        value=parent,
                    )
                ]
            )
        if not (nxt / "scenario.yaml").is_file():
            raise ScenarioError(
                [
                    Problem(
                        f"{current.name}/scenario.yaml", f"extends '{parent}', which holds no scenario.yaml", column="extends", value=parent
                    )
                ]
            )
        current = nxt
    return chain[::-1]


def load_scenario(path: str | Path, *, root: str | Path | None = None) -> Scenario:
    """Load and validate the scenario folder at ``path``.

    ``root`` bounds where ``extends`` and table paths may point; by default the folder holding the
    scenario. Raises :class:`ScenarioError` listing every problem found; nothing is solved or written.
    """
    folder = Path(path)
    if folder.is_file() and folder.name == "scenario.yaml":
        folder = folder.parent
    if not (folder / "scenario.yaml").is_file():
        raise ScenarioError([Problem(str(folder), "no scenario.yaml in this folder; expected a scenario folder")])
    root_path = Path(root) if root is not None else folder.resolve().parent
    settings: dict = {}
    table_files: dict[str, Path] = {}
    for current, data in _chain(folder, root_path):
        table_paths = data.get("tables") or {}
        if not isinstance(table_paths, dict):
            raise ScenarioError([Problem(f"{current.name}/scenario.yaml", "expected a mapping of table name to CSV path", column="tables")])
        for name in TABLES:
            candidate = current / str(table_paths.get(name, f"{name}.csv"))
            if candidate.exists() or name in table_paths:
                table_files[name] = candidate
        for name in table_paths:
            if name not in TABLES:
                raise ScenarioError(
                    [
                        Problem(
                            f"{current.name}/scenario.yaml", f"unknown table; expected one of {', '.join(TABLES)}", column=f"tables.{name}"
                        )
                    ]
                )
        settings = merge(settings, {k: val for k, val in data.items() if k not in ("extends", "tables")})
    problems = []
    for file in table_files.values():
        if not inside(file, root_path) or not inside(file, file.parent):
            problems.append(Problem(file.name, f"path leads outside the scenarios root {root_path}"))
    if problems:
        raise ScenarioError(problems)
    raw, files = {}, {}
    for name, file in table_files.items():
        try:
            raw[name] = read_csv(file)
        except ScenarioError as err:
            problems += err.problems
        files[name] = _label(file, folder)
    if problems:
        raise ScenarioError(problems)
    return Scenario.from_tables(settings, raw, path=folder, files=files)


def _label(file: Path, folder: Path) -> str:
    """How a table file is named in messages: relative to the loaded folder when possible."""
    try:
        return str(file.resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(Path("..") / file.parent.name / file.name)
