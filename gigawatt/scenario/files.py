"""Safe reading of scenario files: YAML without tags or aliases, CSV as text, paths kept inside a root."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import yaml

from gigawatt.scenario.errors import Problem, ScenarioError

MAX_YAML_BYTES = 1 << 20
MAX_CSV_BYTES = 64 << 20


class _NoAliasLoader(yaml.SafeLoader):
    """Safe loader that also refuses anchors and aliases (no exponential expansion)."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(None, None, "aliases (*name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)


def inside(path: Path, root: Path) -> bool:
    """True when ``path`` (after resolving links) lies within ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def read_bytes(path: Path, limit: int) -> bytes:
    """Read a file of at most ``limit`` bytes, refusing binary content."""
    label = path.name
    if not path.is_file():
        raise ScenarioError([Problem(label, f"file not found at {path}")])
    size = path.stat().st_size
    if size > limit:
        raise ScenarioError([Problem(label, f"file is {size:,} bytes; at most {limit:,} expected")])
    data = path.read_bytes()
    if b"\x00" in data:
        raise ScenarioError([Problem(label, "file is binary (contains NUL bytes); expected UTF-8 text")])
    return data


def _text(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ScenarioError([Problem(label, f"not valid UTF-8 at byte {err.start}; expected UTF-8 text")]) from None


def read_yaml(path: Path) -> dict:
    """Parse ``scenario.yaml`` safely into a mapping."""
    text = _text(read_bytes(path, MAX_YAML_BYTES), path.name)
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(err, "problem", None) or str(err)
        raise ScenarioError([Problem(path.name, f"invalid YAML: {problem}", line=line)]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(path.name, f"expected a mapping of settings, found {type(data).__name__}")])
    return data


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV table as text (every cell a string, empty cells as ''); types are checked later."""
    label = path.name
    text = _text(read_bytes(path, MAX_CSV_BYTES), label)
    if not text.strip():
        raise ScenarioError([Problem(label, "file is empty; expected a header line with column names")])
    header = text.splitlines()[0]
    if ";" in header and "," not in header:
        raise ScenarioError([Problem(label, "columns are separated by ';'; expected comma-separated values", line=1)])
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as err:
        raise ScenarioError([Problem(label, f"cannot parse CSV: {err}")]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
