"""Loading a scenario folder: ``extends`` chains, table lookup, and path safety."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gigawatt.scenario.errors import Problem, ScenarioError
from gigawatt.scenario.files import inside, is_file, path_error, read_csv, read_yaml_lines
from gigawatt.scenario.scenario import Scenario
from gigawatt.scenario.schema import TABLES
from gigawatt.scenario.settings import FILE_KEYS
from gigawatt.scenario.validate import suggest

MAX_EXTENDS_DEPTH = 16


@dataclass(frozen=True)
class _Level:
    """One folder of an ``extends`` chain: its YAML, the line of each key, and its name in messages."""

    folder: Path
    data: dict
    lines: dict[str, int]
    label: str


def merge(base: dict, top: dict) -> dict:
    """Deep-merge settings: nested mappings merge key by key, anything else in ``top`` wins."""
    out = dict(base)
    for key, value in top.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _label(file: Path, folder: Path) -> str:
    """How a file is named in messages: relative to the loaded folder (``sites.csv``, ``../base/sites.csv``)."""
    try:
        return Path(os.path.relpath(file.absolute(), folder.absolute())).as_posix()
    except ValueError:  # another drive on Windows
        return str(file)


def _chain(folder: Path, root: Path) -> list[_Level]:
    """Folders from the most basic to ``folder`` with their YAML, following ``extends``."""
    chain: list[_Level] = []
    seen: list[Path] = []
    current = folder
    while True:
        real = current.resolve()
        label = _label(current / "scenario.yaml", folder)
        if real in seen:
            cycle = " -> ".join(_label(p, folder.resolve().parent) for p in [*seen, real])
            last = chain[-1]
            raise ScenarioError(
                [
                    Problem(
                        last.label,
                        f"'extends' forms a cycle: {cycle}; expected a chain ending in a scenario without 'extends'",
                        line=last.lines.get("extends"),
                        column="extends",
                        value=last.data.get("extends"),
                    )
                ]
            )
        if len(seen) >= MAX_EXTENDS_DEPTH:
            raise ScenarioError([Problem(label, f"'extends' chain is deeper than {MAX_EXTENDS_DEPTH} folders", column="extends")])
        seen.append(real)
        if not inside(current / "scenario.yaml", root):
            raise ScenarioError([Problem(label, f"symbolic link leads outside the scenarios root {root}; expected a file inside it")])
        data, lines = read_yaml_lines(current / "scenario.yaml", label)
        chain.append(_Level(current, data, lines, label))
        parent = data.get("extends")
        if parent is None:
            break

        def problem(message: str, label: str = label, lines: dict = lines, parent: object = parent) -> ScenarioError:
            return ScenarioError([Problem(label, message, line=lines.get("extends"), column="extends", value=parent)])

        if not isinstance(parent, str) or not parent.strip():
            raise problem("expected a relative folder path such as '../default'")
        nxt = current / parent
        unusable = path_error(nxt / "scenario.yaml")
        if unusable:
            raise problem(f"{unusable}; expected a relative folder path such as '../default'")
        if not inside(nxt, root):
            raise problem(f"leads outside the scenarios root {root}; expected a folder inside it")
        if not is_file(nxt / "scenario.yaml"):
            raise problem("no scenario.yaml in that folder; expected the folder of the scenario to extend")
        current = nxt
    return chain[::-1]


def _table_files(chain: list[_Level]) -> tuple[dict[str, tuple[Path, _Level, bool]], list[Problem]]:
    """Each table's file: the last folder in the chain that names or holds it wins."""
    found: dict[str, tuple[Path, _Level, bool]] = {}
    problems: list[Problem] = []
    for level in chain:
        table_paths = level.data.get("tables") or {}
        if not isinstance(table_paths, dict):
            problems.append(
                Problem(level.label, "expected a mapping of table name to CSV path", line=level.lines.get("tables"), column="tables")
            )
            continue
        for name, rel in table_paths.items():
            key = f"tables.{name}"
            if name not in TABLES:
                problems.append(
                    Problem(
                        level.label,
                        f"unknown table{suggest(str(name), list(TABLES))}; expected one of: {', '.join(TABLES)}",
                        line=level.lines.get(key),
                        column=key,
                    )
                )
            elif not isinstance(rel, str) or not rel.strip():
                problems.append(
                    Problem(level.label, "expected a CSV path relative to this folder", line=level.lines.get(key), column=key, value=rel)
                )
            else:
                found[name] = (level.folder / rel, level, True)
        for name in TABLES:
            if name in table_paths:
                continue
            candidate = level.folder / f"{name}.csv"
            if candidate.exists() or candidate.is_symlink():
                found[name] = (candidate, level, False)
    return found, problems


def load_scenario(path: str | Path, *, root: str | Path | None = None) -> Scenario:
    """Load and validate the scenario folder at ``path``.

    ``root`` bounds where ``extends`` and table paths may point; by default the folder holding the
    scenario (the scenarios root). Raises :class:`ScenarioError` listing every problem found;
    nothing is solved or written.
    """
    folder = Path(path)
    if is_file(folder) and folder.name == "scenario.yaml":
        folder = folder.parent
    if not is_file(folder / "scenario.yaml"):
        raise ScenarioError([Problem(str(folder), "no scenario.yaml in this folder; expected a scenario folder")])
    root_path = Path(root) if root is not None else folder.resolve().parent
    if not inside(folder, root_path):
        raise ScenarioError([Problem(str(folder), f"scenario folder lies outside the scenarios root {root_path}")])
    chain = _chain(folder, root_path)
    table_files, problems = _table_files(chain)
    for name, (file, level, named) in table_files.items():
        unusable = path_error(file)
        if unusable is None and inside(file, root_path):
            continue
        if named:
            key = f"tables.{name}"
            why = unusable or f"table path leads outside the scenarios root {root_path}"
            problems.append(
                Problem(
                    level.label,
                    f"{why}; expected a CSV path inside the scenarios root",
                    line=level.lines.get(key),
                    column=key,
                    value=level.data["tables"][name],
                )
            )
        elif unusable:
            problems.append(Problem(_label(file, folder), f"cannot read file: {unusable}"))
        else:
            problems.append(
                Problem(
                    _label(file, folder),
                    f"symbolic link to {os.readlink(file) if file.is_symlink() else file} leads outside the scenarios root {root_path}; "
                    "expected a file inside it",
                )
            )
    if problems:
        raise ScenarioError(problems)
    raw, files, unreadable = {}, {}, set()
    for name, (file, _, _) in table_files.items():
        files[name] = _label(file, folder)
        try:
            raw[name] = read_csv(file, files[name])
        except ScenarioError as err:
            problems += err.problems
            unreadable.add(f"{name}.csv")
    settings: dict = {}
    origin: dict[str, tuple[str, int]] = {}
    for level in chain:
        settings = merge(settings, {k: val for k, val in level.data.items() if k not in FILE_KEYS})
        origin.update({k: (level.label, n) for k, n in level.lines.items() if k.split(".")[0] not in FILE_KEYS})
    try:  # validate what could be read, so every problem is reported in one go
        scenario = Scenario.from_tables(settings, raw, path=folder, files=files)
    except ScenarioError as err:
        unread = [p for p in err.problems if p.file in unreadable and p.message.startswith("required table is missing")]
        problems += [_locate(p, origin, chain[-1].label) for p in err.problems if p not in unread]
    if problems:
        raise ScenarioError(problems)
    return scenario


def _locate(problem: Problem, origin: dict[str, tuple[str, int]], own: str) -> Problem:
    """Point a settings problem at the scenario.yaml (in the ``extends`` chain) and line that set the key."""
    if problem.file != "scenario.yaml":
        return problem
    key = problem.column or ""
    while key and key not in origin:
        key = key.rpartition(".")[0]
    file, line = origin.get(key, (own, None))
    return Problem(file, problem.message, line=line, column=problem.column, value=problem.value)
