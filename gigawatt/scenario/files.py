"""Safe reading of scenario files: YAML without tags or aliases, CSV as text, paths kept inside a root."""

from __future__ import annotations

import csv
import errno
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import yaml

from gigawatt.scenario.errors import Problem, ScenarioError

MAX_YAML_BYTES = 1 << 20
MAX_CSV_BYTES = 16 << 20
#: Longest single CSV cell, in characters.
MAX_CELL_CHARS = 1 << 16
#: Most data rows, columns and cells (rows x columns) in one table: memory stays bounded whatever a file holds.
MAX_ROWS = 100_000
MAX_COLUMNS = 50
MAX_CELLS = 1_000_000
#: Most values (scalars, lists, mappings) in scenario.yaml; a settings file holds a few dozen.
MAX_YAML_NODES = 10_000
#: Rows with a problem of their own (wrong width, a huge cell) listed before reading stops.
MAX_ROWS_WITH_PROBLEMS = 100
#: A line with its ending: CRLF, LF or a lone CR (as csv reads them).
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


class _NoAliasLoader(yaml.SafeLoader):
    """Safe loader that also refuses aliases (no exponential expansion) and more than :data:`MAX_YAML_NODES` values."""

    nodes = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(None, None, "aliases (*name) are not allowed", event.start_mark)
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, f"more than {MAX_YAML_NODES:,} values; a scenario.yaml holds a few dozen", mark)
        return super().compose_node(parent, index)


def inside(path: Path, root: Path) -> bool:
    """True when ``path`` (after resolving links) lies within ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def path_error(path: Path) -> str | None:
    """Why ``path`` cannot name a file at all (too long, a NUL, a link loop), else None (missing is fine)."""
    try:
        os.stat(path)
    except ValueError:
        return "path contains a NUL character"
    except FileNotFoundError:
        return None
    except OSError as err:
        if err.errno == errno.ENOTDIR:
            return None
        return f"path is unusable ({err.strerror or err})"
    return None


def is_file(path: Path) -> bool:
    """``path.is_file()``, False where the path cannot even be looked up."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def read_bytes(path: Path, limit: int, label: str | None = None) -> bytes:
    """Read a file of at most ``limit`` bytes, refusing binary content."""
    label = label or path.name
    try:
        if not path.is_file():
            what = "a folder" if path.is_dir() else "not a regular file" if path.exists() else "not found"
            raise ScenarioError([Problem(label, f"{what} at {path}; expected a text file")])
        size = path.stat().st_size
        if size > limit:
            raise ScenarioError([Problem(label, f"file is {size:,} bytes; at most {limit:,} expected")])
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise ScenarioError([Problem(label, f"cannot read file: {err.strerror or err}")]) from None
    if len(data) > limit:
        raise ScenarioError([Problem(label, f"file is over {limit:,} bytes; at most {limit:,} expected")])
    if b"\x00" in data:
        raise ScenarioError([Problem(label, "file is binary (contains NUL bytes); expected UTF-8 text")])
    return data


def _text(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ScenarioError([Problem(label, f"not valid UTF-8 at byte {err.start}; expected UTF-8 text", line=line)]) from None


def _yaml_problem(err: yaml.YAMLError, label: str, text: str) -> Problem:
    mark = getattr(err, "problem_mark", None)
    context = getattr(err, "context_mark", None)
    if mark is not None and context is not None and mark.index >= len(text.rstrip()):
        mark = context  # the file ended inside a construct: point at where it began
    line = mark.line + 1 if mark is not None else None
    problem = getattr(err, "problem", None) or str(err)
    if getattr(err, "context", None) and mark is context:
        problem = f"{err.context}, {problem}"
    tag = re.search(r"constructor for the tag '([^']*)'", problem)
    if tag:
        problem = f"tags such as {tag.group(1).replace('tag:yaml.org,2002:', '!!')!r} are not allowed; expected plain values"
    return Problem(label, f"invalid YAML: {problem}", line=line)


def _key_lines(node: yaml.Node, prefix: str, lines: dict[str, int], problems: list[Problem], label: str) -> None:
    """Record the line of every (dotted) mapping key; report keys given twice."""
    if not isinstance(node, yaml.MappingNode):
        return
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = f"{prefix}{key_node.value}" if isinstance(key_node, yaml.ScalarNode) else f"{prefix}?"
        line = key_node.start_mark.line + 1
        if key in seen:
            problems.append(Problem(label, f"key given twice (first on line {seen[key]}); keep one", line=line, column=key))
        seen[key] = line
        lines[key] = line
        _key_lines(value_node, f"{key}.", lines, problems, label)


def read_yaml_lines(path: Path, label: str | None = None) -> tuple[dict, dict[str, int]]:
    """Parse ``scenario.yaml`` safely into a mapping, with the line of every (dotted) key."""
    label = label or path.name
    text = _text(read_bytes(path, MAX_YAML_BYTES, label), label)
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    loader = None
    try:
        loader = _NoAliasLoader(text)
        node = loader.get_single_node()
        if node is not None:
            _key_lines(node, "", lines, problems, label)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as err:
        raise ScenarioError([_yaml_problem(err, label, text)]) from None
    except RecursionError:
        line = loader.line + 1 if loader is not None else None
        raise ScenarioError([Problem(label, "invalid YAML: nested too deeply", line=line)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if problems:
        raise ScenarioError(problems)
    if data is None:
        return {}, lines
    if not isinstance(data, dict):
        raise ScenarioError([Problem(label, f"expected a mapping of settings (key: value lines), found a {type(data).__name__}")])
    return data, lines


def parse_scalar(text: str) -> object:
    """Parse one value the way ``scenario.yaml`` would (``'4000'`` -> 4000); text that is not YAML stays text."""
    try:
        loader = _NoAliasLoader(text)
    except yaml.YAMLError:
        return text
    try:
        return loader.get_single_data()
    except (yaml.YAMLError, RecursionError):
        return text
    finally:
        loader.dispose()


def _lines(data: bytes, label: str) -> Iterator[str]:
    """The decoded lines of a CSV file, one at a time (the file is never decoded whole)."""
    for number, match in enumerate(_LINE.finditer(data), start=1):
        try:
            yield match.group().decode("utf-8")
        except UnicodeDecodeError as err:
            message = f"not valid UTF-8 at byte {match.start() + err.start}; expected UTF-8 text"
            raise ScenarioError([Problem(label, message, line=number)]) from None


def read_csv(path: Path, label: str | None = None) -> pd.DataFrame:
    """Read a CSV table as text: every cell a stripped string, empty cells as ''; types are checked later.

    Blank lines are skipped. ``frame.attrs["lines"]`` holds each row's line number as an editor
    counts it (the header is line 1), so messages point at the right line even across blank lines
    and quoted cells spanning lines. At most :data:`MAX_COLUMNS` columns and :data:`MAX_ROWS` rows.
    """
    label = label or path.name
    data = read_bytes(path, MAX_CSV_BYTES, label).removeprefix(b"\xef\xbb\xbf")
    if not data.strip():
        raise ScenarioError([Problem(label, "file is empty; expected a header line with column names")])
    reader = csv.reader(_lines(data, label), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    problems: list[Problem] = []
    previous = 0
    try:
        for row in reader:
            start, previous = previous + 1, reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if any(len(cell) > MAX_CELL_CHARS for cell in row):
                problems.append(Problem(label, f"a cell is longer than {MAX_CELL_CHARS:,} characters", line=start))
                continue
            if header is None:
                header = [cell.strip() for cell in row]
                problems += _check_header(header, label, start)
                if problems:
                    raise ScenarioError(problems)
                continue
            if len(row) != len(header):
                problems.append(
                    Problem(
                        label, f"row has {len(row)} values but the header names {len(header)} columns ({', '.join(header)})", line=start
                    )
                )
            elif len(rows) == min(MAX_ROWS, MAX_CELLS // len(header)):
                most = len(rows)
                problems.append(Problem(label, f"more than {most:,} rows of {len(header)} columns; at most {most:,} expected", line=start))
                break
            else:
                rows.append([cell.strip() for cell in row])
                lines.append(start)
            if len(problems) >= MAX_ROWS_WITH_PROBLEMS:
                problems.append(Problem(label, f"reading stopped after {MAX_ROWS_WITH_PROBLEMS} rows with problems", line=start))
                break
    except csv.Error as err:
        problems.append(Problem(label, f"cannot parse CSV: {err} (is a quote left open?)", line=previous + 1))
    if header is None:
        problems.append(Problem(label, "file holds only blank lines; expected a header line with column names"))
    if problems:
        raise ScenarioError(problems)
    assert header is not None
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame({c: pd.Series([], dtype=object) for c in header})
    frame.attrs["lines"] = tuple(lines)
    return frame


def _check_header(header: list[str], label: str, line: int) -> list[Problem]:
    if len(header) == 1:
        for sep, name in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
            if sep in header[0]:
                return [Problem(label, f"columns are separated by {name}; expected comma-separated values", line=line)]
    if len(header) > MAX_COLUMNS:
        return [Problem(label, f"header names {len(header):,} columns; at most {MAX_COLUMNS} expected", line=line)]
    problems = []
    first: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            problems.append(Problem(label, f"column {i + 1} of the header has no name; expected a column name", line=line))
        elif name in first:
            problems.append(Problem(label, f"column given twice (columns {first[name] + 1} and {i + 1})", line=line, column=name))
        else:
            first[name] = i
    return problems
