"""Hostile-input mutations of shipped scenarios, as data: a registry of named edits and what each must produce.

A mutation takes a :class:`Workspace` (a scenario copied into a fresh scenarios root) and a
:class:`Draw` (hypothesis- or seed-driven choices), breaks the copy one way, and returns an
:class:`Expect`: whether loading must fail, and which file (line, column) the problem names.
:func:`check` loads the copy and returns what went wrong with the property, or ``None``.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
import random
import shutil
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

import gigawatt as gw
from gigawatt.scenario import ScenarioError
from gigawatt.scenario import files as scenario_files
from gigawatt.scenario.schema import MAX_MAGNITUDE, TABLES, Column

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
SOURCES = {"tiny": ("tiny",), "default": ("default",), "rubin_delay": ("rubin_delay", "default"), "pool": ("pool", "default")}
#: Cases run in this process, by (kind, how they ended); printed at the end of a pytest run.
COUNTS: Counter[tuple[str, str]] = Counter()
#: Longest problem line a person should have to read (values and paths are shortened in messages).
MAX_PROBLEM_CHARS = 1000
#: Most problems one broken file may produce (a million bad cells are summarised, not listed).
MAX_PROBLEMS = 2000


# -- choices ---------------------------------------------------------------------------------------
class Draw(Protocol):
    """The choices a mutation makes; hypothesis-backed in tests, seeded in the standalone runner."""

    def integer(self, lo: int, hi: int) -> int: ...
    def choice(self, options: Sequence[T]) -> T: ...
    def text(self, min_size: int, max_size: int) -> str: ...
    def binary(self, min_size: int, max_size: int) -> bytes: ...


class RandomDraw:
    """Draws from ``random.Random(seed)``: any case is replayed from its seed."""

    #: Code points drawn for text: ASCII, Latin, Greek, CJK, combining marks, emoji, RTL, spaces and controls.
    BLOCKS = ((0x20, 0x7E), (0xA0, 0x17F), (0x370, 0x3FF), (0x4E00, 0x4E80), (0x300, 0x36F), (0x1F600, 0x1F64F), (0x5D0, 0x5EA))
    ODD = "\t\r\n\"',;\\\u200b\u202e\ufeff\u2028 "

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def text(self, min_size: int, max_size: int) -> str:
        size = self.rng.randint(min_size, max_size)
        out = []
        for _ in range(size):
            if self.rng.random() < 0.15:
                out.append(self.rng.choice(self.ODD))
            else:
                lo, hi = self.rng.choice(self.BLOCKS)
                out.append(chr(self.rng.randint(lo, hi)))
        return "".join(out)

    def binary(self, min_size: int, max_size: int) -> bytes:
        return self.rng.randbytes(self.rng.randint(min_size, max_size))


class HypothesisDraw:
    """Draws through hypothesis's ``st.data()``, so failures shrink."""

    def __init__(self, data: object):
        from hypothesis import strategies as st

        self.data, self.st = data, st

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(self.st.integers(lo, hi))  # type: ignore[attr-defined]

    def choice(self, options: Sequence[T]) -> T:
        return self.data.draw(self.st.sampled_from(list(options)))  # type: ignore[attr-defined]

    def text(self, min_size: int, max_size: int) -> str:
        alphabet = self.st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
        return self.data.draw(self.st.text(alphabet, min_size=min_size, max_size=max_size))  # type: ignore[attr-defined]

    def binary(self, min_size: int, max_size: int) -> bytes:
        return self.data.draw(self.st.binary(min_size=min_size, max_size=max_size))  # type: ignore[attr-defined]


# -- the copy being broken ---------------------------------------------------------------------------
@dataclass
class Workspace:
    """A shipped scenario copied to ``root/<name>``; files are named by their label in messages."""

    root: Path
    folder: Path
    tables: dict[str, str]  # table name -> label (``sites.csv``, ``../default/sites.csv``)
    yamls: list[str]  # scenario.yaml labels, the loaded folder's first
    outside: Path  # a folder next to the root (for escapes), holding valid copies of every table
    original_hash: str
    notes: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, base: Path, source: str) -> Workspace:
        """Copy ``scenarios/<source>`` (and what it extends) to ``base/scenarios``, with valid copies of its tables in ``base/outside``."""
        root = base / "scenarios"
        for name in SOURCES[source]:
            shutil.copytree(ROOT / "scenarios" / name, root / name)
        folder = root / source
        files, original_hash = _original(source)
        outside = base / "outside"
        outside.mkdir()
        for label in files.values():
            shutil.copy(folder / label, outside / Path(label).name)
        yamls = ["scenario.yaml"] + [f"../{name}/scenario.yaml" for name in SOURCES[source][1:]]
        return cls(root, folder, dict(files), yamls, outside, original_hash)

    def path(self, label: str) -> Path:
        return self.folder / label

    def table_label(self, draw: Draw, names: Sequence[str] | None = None) -> tuple[str, str]:
        options = sorted(n for n in self.tables if names is None or n in names)
        name = draw.choice(options)
        return name, self.tables[name]

    def read(self, label: str) -> tuple[list[str], list[list[str]]]:
        with self.path(label).open(newline="", encoding="utf-8-sig") as handle:
            header, *rows = [r for r in csv.reader(handle) if r]
        return header, rows

    def write(self, label: str, header: list[str], rows: list[list[str]]) -> None:
        """Rewrite a CSV: header on line 1, row ``i`` on line ``i + 2`` (unless a cell holds a line break)."""
        self.path(label).write_bytes(csv_bytes(header, rows))

    def cells(self, label: str, column: str) -> list[str]:
        header, rows = self.read(label)
        return [r[header.index(column)] for r in rows]


@functools.cache
def _original(source: str) -> tuple[dict[str, str], str]:
    """Each table's label (tables with rows: the mutations edit rows and cells) and the hash of the untouched shipped
    scenario (loaded once per process)."""
    scn = gw.load_scenario(ROOT / "scenarios" / source)
    return {name: label for name, label in scn.files.items() if len(scn.tables[name])}, scn.hash


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    """CSV with LF line ends, quoting any cell holding a comma, a quote or a line break (CR included)."""
    return "".join(",".join(map(_quoted, row)) + "\n" for row in [header, *rows]).encode("utf-8")


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',"\r\n') else cell


@dataclass(frozen=True)
class Expect:
    """What loading the broken copy must give.

    ``valid``: True must load, False must raise ScenarioError, None either (the edit may be harmless).
    ``file``/``line``/``column``: one problem must name all of those given. ``mention``: some problem
    names this file, as its own or in its message (rows lost from ``nodes.csv`` show up as references
    elsewhere "not found in nodes.csv"). ``same_hash``: a valid result hashes as the untouched scenario.
    """

    valid: bool | None
    file: str | None = None
    line: int | None = None
    column: str | None = None
    same_hash: bool = False
    mention: str | None = None


INVALID = False
EITHER = None


# -- helpers ----------------------------------------------------------------------------------------
def _numeric(name: str) -> list[Column]:
    return [c for c in TABLES[name].columns if c.dtype in ("int", "float")]


def _pick_cell(ws: Workspace, draw: Draw, label: str, columns: Sequence[str]) -> tuple[list[str], list[list[str]], int, str]:
    header, rows = ws.read(label)
    columns = [c for c in columns if c in header]
    return header, rows, draw.integer(0, len(rows) - 1), draw.choice(columns)


def _set_cell(ws: Workspace, draw: Draw, names: Sequence[str], columns: Callable[[str], Sequence[str]], value: Callable[[str, str], str]):
    """Set one cell of a table in ``names`` to ``value(table, column)``; return (label, line, column)."""
    name, label = ws.table_label(draw, [n for n in names if any(c in ws.read(ws.tables[n])[0] for c in columns(n))])
    header, rows, i, column = _pick_cell(ws, draw, label, columns(name))
    rows[i][header.index(column)] = value(name, column)
    ws.write(label, header, rows)
    return label, i + 2, column


def _tables_with(ws: Workspace, test: Callable[[Column], bool]) -> list[str]:
    return [n for n in ws.tables if any(test(c) for c in TABLES[n].columns)]


def _required_tables(ws: Workspace) -> list[str]:
    return [n for n in ws.tables if TABLES[n].required]


def _yaml_text(ws: Workspace, label: str) -> str:
    return ws.path(label).read_text(encoding="utf-8")


def _yaml_replace(ws: Workspace, label: str, key: str, text: str) -> int:
    """Put ``key: text`` at the end of a scenario.yaml (dropping the top-level key and its block); return its line."""
    lines = _yaml_text(ws, label).splitlines()
    out, skipping = [], False
    for line in lines:
        if line.startswith(f"{key}:"):
            skipping = True
            continue
        if skipping and (line.startswith((" ", "\t")) or not line.strip()):
            continue
        skipping = False
        out.append(line)
    out.append(f"{key}: {text}")
    ws.path(label).write_text("\n".join(out) + "\n", encoding="utf-8")
    return len(out)


def _yaml_append(ws: Workspace, label: str, text: str) -> int:
    lines = _yaml_text(ws, label).rstrip("\n").split("\n")
    ws.path(label).write_text("\n".join([*lines, text.rstrip("\n")]) + "\n", encoding="utf-8")
    return len(lines) + 1


# -- CSV structure -------------------------------------------------------------------------------
def drop_column(ws: Workspace, draw: Draw) -> Expect:
    name, label = ws.table_label(draw)
    header, rows = ws.read(label)
    required = [c.name for c in TABLES[name].columns if c.required and c.name in header]
    column = draw.choice(required)
    i = header.index(column)
    ws.write(label, [h for j, h in enumerate(header) if j != i], [[c for j, c in enumerate(r) if j != i] for r in rows])
    return Expect(INVALID, label, 1, column)


def rename_column(ws: Workspace, draw: Draw) -> Expect:
    name, label = ws.table_label(draw)
    header, rows = ws.read(label)
    column = draw.choice([c.name for c in TABLES[name].columns if c.required and c.name in header])
    how = draw.choice(["upper", "typo", "space", "unicode", "random"])
    new = {
        "upper": column.upper(),
        "typo": column[:-1] + ("x" if column[-1] != "x" else "y"),
        "space": column.replace("_", " ", 1) if "_" in column else f"{column} x",
        "unicode": column.replace("i", "\u0456").replace("o", "\u043e") if set("io") & set(column) else column + "\u00e9",
        "random": f"{column}{draw.text(1, 12)}".replace("\x00", ""),
    }[how]
    if new.strip() == column or new.strip() in header:
        new = f"{column}_renamed"
    header[header.index(column)] = new
    ws.write(label, header, rows)
    return Expect(INVALID, label, 1, column)


def duplicate_column(ws: Workspace, draw: Draw) -> Expect:
    _, label = ws.table_label(draw)
    header, rows = ws.read(label)
    i = draw.integer(0, len(header) - 1)
    ws.write(label, [*header, header[i]], [[*r, r[i]] for r in rows])
    return Expect(INVALID, label, 1, header[i])


def unknown_column(ws: Workspace, draw: Draw) -> Expect:
    _, label = ws.table_label(draw)
    header, rows = ws.read(label)
    new = draw.choice(["notes", "comment", "Unnamed: 0", "max_MW", "\u00fcber", "x" * 200])
    ws.write(label, [*header, new], [[*r, draw.choice(["", "1", "x"])] for r in rows])
    return Expect(INVALID, label, 1, new)


def reorder_columns(ws: Workspace, draw: Draw) -> Expect:
    """Column order carries no meaning: the copy loads and hashes as before."""
    _, label = ws.table_label(draw)
    header, rows = ws.read(label)
    order = list(range(len(header)))
    for i in range(len(order) - 1, 0, -1):
        j = draw.integer(0, i)
        order[i], order[j] = order[j], order[i]
    ws.write(label, [header[i] for i in order], [[r[i] for i in order] for r in rows])
    return Expect(True, same_hash=True)


def empty_file(ws: Workspace, draw: Draw) -> Expect:
    _, label = ws.table_label(draw)
    ws.path(label).write_bytes(draw.choice([b"", b"\n", b"   \r\n\r\n", b"\xef\xbb\xbf", b"\t\n"]))
    return Expect(INVALID, label)


def header_only(ws: Workspace, draw: Draw) -> Expect:
    name, label = ws.table_label(draw)
    header, _ = ws.read(label)
    ws.write(label, header, [])
    return Expect(INVALID, label) if TABLES[name].required else Expect(EITHER)


def delete_table(ws: Workspace, draw: Draw) -> Expect:
    name, label = ws.table_label(draw)
    ws.path(label).unlink()
    inherited = len(ws.yamls) > 1 and not label.startswith("../")  # the base of the chain holds one too
    if not TABLES[name].required or inherited:
        return Expect(EITHER)
    # A table missing from a child is inherited: only the last file in the chain is the one read.
    return Expect(INVALID, f"{name}.csv")


def row_width(ws: Workspace, draw: Draw) -> Expect:
    _, label = ws.table_label(draw)
    header, rows = ws.read(label)
    i = draw.integer(0, len(rows) - 1)
    rows[i] = [*rows[i], draw.choice(["", "1", "x"])] if draw.choice([True, False]) or len(rows[i]) < 2 else rows[i][:-1]
    ws.write(label, header, rows)
    return Expect(INVALID, label, i + 2)


def duplicate_key(ws: Workspace, draw: Draw) -> Expect:
    name, label = ws.table_label(draw, [n for n in ws.tables if len(ws.read(ws.tables[n])[1]) >= 2])
    header, rows = ws.read(label)
    i, j = draw.integer(0, len(rows) - 1), draw.integer(0, len(rows) - 2)
    j = j if j < i else j + 1
    if draw.choice(["copy-row", "copy-key"]) == "copy-row":
        rows.insert(j, list(rows[i]))
        line = max(i + (1 if j <= i else 0), j) + 2
    else:
        for key in TABLES[name].key:
            rows[j][header.index(key)] = rows[i][header.index(key)]
        line = max(i, j) + 2
    ws.write(label, header, rows)
    return Expect(INVALID, label, line, TABLES[name].key[0])


def dangling_reference(ws: Workspace, draw: Draw) -> Expect:
    names = [n for n in ws.tables if TABLES[n].references]

    def value(name: str, column: str) -> str:
        target, target_column = TABLES[name].references[column].split(".")
        known = set(ws.cells(ws.tables[target], target_column)) if target in ws.tables else set()
        new = draw.choice(["nowhere", "NORTH", "n0rth", "\u00e9", "all ", draw.text(1, 20)]).strip()
        return new if new and new not in known and new != "all" and "\x00" not in new else "missing-id"

    label, line, column = _set_cell(ws, draw, names, lambda n: list(TABLES[n].references), value)
    return Expect(INVALID, label, line, column)


def unicode_normalisation(ws: Workspace, draw: Draw) -> Expect:
    """An id written as NFC in its table and NFD where referenced: they differ as text."""
    _, label = ws.table_label(draw, [n for n in ("sites", "supplies") if n in ws.tables])
    header, rows = ws.read(label)
    i = draw.integer(0, len(rows) - 1)
    node = rows[i][header.index("node_id")]
    nfc = unicodedata.normalize("NFC", f"{node}-caf\u00e9")
    _rename_everywhere(ws, node, nfc)
    header, rows = ws.read(label)
    rows[i][header.index("node_id")] = unicodedata.normalize("NFD", nfc)
    ws.write(label, header, rows)
    return Expect(INVALID, label, i + 2, "node_id")


def _rename_everywhere(ws: Workspace, old: str, new: str) -> None:
    """Replace an id in every id column of every table (the values, not the text)."""
    for name, label in ws.tables.items():
        header, rows = ws.read(label)
        ids = [
            header.index(c.name)
            for c in TABLES[name].columns
            if c.dtype == "str" and c.name.endswith(("_id", "_node")) and c.name in header
        ]
        for row in rows:
            for j in ids:
                if row[j].strip() == old:
                    row[j] = new
        ws.write(label, header, rows)


def unicode_id(ws: Workspace, draw: Draw) -> Expect:
    """Any id renamed consistently everywhere, to any text: the copy loads (or, with a NUL, is refused)."""
    name, label = ws.table_label(draw, [n for n in ("nodes", "sites", "chips", "supplies", "regions") if n in ws.tables])
    key = TABLES[name].key[0]
    old = draw.choice(ws.cells(label, key))
    new = draw.text(1, 40).strip()
    taken = {c.strip() for n, lb in ws.tables.items() for c in ws.cells(lb, TABLES[n].key[0])}
    if not new or new in taken or new == "all":
        new = f"{old}-\u00fcnic\u00f8de-\U0001f680"
    _rename_everywhere(ws, old, new)
    ws.notes.append(f"{name} id {old!r} -> {new!r}")
    return Expect(True)


def long_id(ws: Workspace, draw: Draw) -> Expect:
    name, label = ws.table_label(draw, [n for n in ("nodes", "sites", "chips", "supplies") if n in ws.tables])
    key = TABLES[name].key[0]
    old = draw.choice(ws.cells(label, key))
    over = draw.choice([True, False])
    size = scenario_files.MAX_CELL_CHARS + draw.integer(1, 100) if over else draw.integer(200, 5000)
    new = (old + draw.choice(["x", "\u00e9", "\u4e2d", "\U0001f680"]) * size)[:size]
    _rename_everywhere(ws, old, new)
    if not over:
        return Expect(True)
    header, rows = ws.read(label)
    line = next(i for i, r in enumerate(rows) if r[header.index(key)] == new) + 2
    return Expect(INVALID, label, line)


# -- cell values -------------------------------------------------------------------------------------
def wrong_dtype(ws: Workspace, draw: Draw) -> Expect:
    def value(name: str, column: str) -> str:
        return draw.choice(
            ["abc", "12 MW", "1,5", "1_000", "0x10", "--1", "1e", "$5", "5%", "one", "1.2.3", "[1]", "true", f"x{draw.text(0, 8)}"]
        )

    names = _tables_with(ws, lambda c: c.dtype in ("int", "float"))
    label, line, column = _set_cell(ws, draw, names, lambda n: [c.name for c in _numeric(n)], value)
    return Expect(INVALID, label, line, column)


def not_whole(ws: Workspace, draw: Draw) -> Expect:
    names = _tables_with(ws, lambda c: c.dtype == "int")
    cols = lambda n: [c.name for c in TABLES[n].columns if c.dtype == "int"]  # noqa: E731
    label, line, column = _set_cell(ws, draw, names, cols, lambda n, c: draw.choice(["2026.5", "1.000001", "0.1", "7e-1", "2.5e0"]))
    return Expect(INVALID, label, line, column)


def nan_inf(ws: Workspace, draw: Draw) -> Expect:
    choices = ["NaN", "nan", "-nan", "NAN", "inf", "-inf", "Infinity", "+inf", "1e400", "-1e999", "N/A", "null", "None"]
    names = _tables_with(ws, lambda c: c.dtype in ("int", "float"))
    label, line, column = _set_cell(ws, draw, names, lambda n: [c.name for c in _numeric(n)], lambda n, c: draw.choice(choices))
    return Expect(INVALID, label, line, column)


def _beyond(col: Column, draw: Draw) -> str:
    """A value just past one of the column's bounds (the column has at least one)."""
    below = [b - d for b, d in ((col.ge, 1e-6), (col.gt, 0.0)) if b is not None]
    above = [b + d for b, d in ((col.le, 1e-6), (col.lt, 0.0)) if b is not None]
    if below and (not above or draw.choice([True, False])):
        value = draw.choice(below) - draw.choice([0.0, 0.5, 1.0, 1e9])
        value = math.floor(value) if col.dtype == "int" else value
    else:
        value = draw.choice(above) + draw.choice([0.0, 0.5, 1.0, 1e9])
        value = math.ceil(value) if col.dtype == "int" else value
    return str(int(value)) if col.dtype == "int" else repr(float(value))


def out_of_bounds(ws: Workspace, draw: Draw) -> Expect:
    """A number just past a bound from the schema: negative MW, PUE below 1, a loss of 100%, ..."""
    bounded = lambda c: c.dtype in ("int", "float") and any(b is not None for b in (c.ge, c.gt, c.le, c.lt))  # noqa: E731
    names = _tables_with(ws, bounded)
    columns = lambda n: [c.name for c in TABLES[n].columns if bounded(c)]  # noqa: E731
    label, line, column = _set_cell(ws, draw, names, columns, lambda n, c: _beyond(TABLES[n].column(c), draw))
    return Expect(INVALID, label, line, column)


def zero_where_positive(ws: Workspace, draw: Draw) -> Expect:
    """0 where a number must be positive (0 PUE, 0 MW blocks, a unit with no power)."""
    positive = lambda c: c.dtype in ("int", "float") and ((c.gt is not None and c.gt >= 0) or (c.ge is not None and c.ge > 0))  # noqa: E731
    names = _tables_with(ws, positive)
    columns = lambda n: [c.name for c in TABLES[n].columns if positive(c)]  # noqa: E731
    label, line, column = _set_cell(ws, draw, names, columns, lambda n, c: draw.choice(["0", "0.0", "-0", "0e5"]))
    return Expect(INVALID, label, line, column)


def absurd_magnitude(ws: Workspace, draw: Draw) -> Expect:
    """1e30 MW and the like: beyond :data:`MAX_MAGNITUDE` in any unit."""

    def value(name: str, column: str) -> str:
        exponent = draw.integer(int(math.log10(MAX_MAGNITUDE)) + 1, 308)
        sign = draw.choice(["", "-"])
        if TABLES[name].column(column).dtype == "int":
            return sign + str(10**exponent + draw.integer(0, 9))
        return sign + draw.choice([f"1e{exponent}", f"{draw.integer(2, 9)}.5e{exponent}", "1" + "0" * exponent])

    names = _tables_with(ws, lambda c: c.dtype in ("int", "float"))
    label, line, column = _set_cell(ws, draw, names, lambda n: [c.name for c in _numeric(n)], value)
    return Expect(INVALID, label, line, column)


def bad_choice(ws: Workspace, draw: Draw) -> Expect:
    names = _tables_with(ws, lambda c: bool(c.choices))
    cols = lambda n: [c.name for c in TABLES[n].columns if c.choices]  # noqa: E731
    options = ["Liquid", "AIR", "water", "immersion", "liquid;air", "l\u0456quid", "0"]
    label, line, column = _set_cell(ws, draw, names, cols, lambda n, c: draw.choice(options))
    return Expect(INVALID, label, line, column)


def blank_required(ws: Workspace, draw: Draw) -> Expect:
    names = list(ws.tables)
    cols = lambda n: [c.name for c in TABLES[n].columns if c.required]  # noqa: E731
    label, line, column = _set_cell(ws, draw, names, cols, lambda n, c: draw.choice(["", " ", "\t", "  \u3000"]))
    return Expect(INVALID, label, line, column)


def equivalent_numbers(ws: Workspace, draw: Draw) -> Expect:
    """The same numbers written differently (``60`` as ``6e1``, ``+60.000``, padded): same scenario, same hash."""
    name, label = ws.table_label(draw)
    header, rows = ws.read(label)
    for col in _numeric(name):
        if col.name not in header:
            continue
        j = header.index(col.name)
        for row in rows:
            text = row[j].strip()
            if not text:
                continue
            number = float(text)
            if col.dtype == "int":
                plus = "+" if number >= 0 else ""
                row[j] = draw.choice([f" {int(number)} ", f"{int(number)}.0", f"{plus}{int(number)}", f"{number:e}"])
            else:
                plus = "+" if number >= 0 else ""
                row[j] = draw.choice([f"{number!r}", f"{number:.17e}", f"{plus}{number!r}", f" {number!r}\t", f"{number:.17E}"])
    ws.write(label, header, rows)
    return Expect(True, same_hash=True)


# -- bytes and encodings ----------------------------------------------------------------------------
def _any_file(ws: Workspace, draw: Draw) -> str:
    return draw.choice(sorted(ws.tables.values()) + ws.yamls)


def bom_and_line_ends(ws: Workspace, draw: Draw) -> Expect:
    """A byte-order mark and CRLF or CR line ends change nothing, not even the hash."""
    for label in sorted(ws.tables.values()) + ws.yamls:
        if not draw.choice([True, False]):
            continue
        data = ws.path(label).read_bytes()
        ending = draw.choice([b"\r\n", b"\n", b"\r"]) if label.endswith(".csv") else draw.choice([b"\r\n", b"\n"])
        data = data.replace(b"\r\n", b"\n").replace(b"\n", ending)
        ws.path(label).write_bytes((b"\xef\xbb\xbf" if draw.choice([True, False]) else b"") + data)
    return Expect(True, same_hash=True)


def padding_and_blank_lines(ws: Workspace, draw: Draw) -> Expect:
    """Spaces around cells and blank lines between rows change nothing."""
    _, label = ws.table_label(draw)
    header, rows = ws.read(label)
    out = io.StringIO()
    out.write(",".join(map(_quoted, header)) + "\n")
    for row in rows:
        if draw.choice([True, False]):
            out.write(draw.choice(["\n", "\n\n", "  \n"]))
        out.write(",".join(_quoted(f"{draw.choice(['', ' ', '  '])}{cell}{draw.choice(['', ' ', chr(9)])}") for cell in row) + "\n")
    ws.path(label).write_text(out.getvalue(), encoding="utf-8")
    return Expect(True, same_hash=True)


def other_encoding(ws: Workspace, draw: Draw) -> Expect:
    label = _any_file(ws, draw)
    text = ws.path(label).read_text(encoding="utf-8")
    codec = draw.choice(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"])
    if codec in ("latin-1", "cp1252"):
        marker = "# Z\u00fcrich\n" if label.endswith(".yaml") else None
        if marker:
            text = marker + text
        else:
            header, rows = ws.read(label)
            j = header.index("source") if "source" in header else len(header) - 1
            rows[0][j] = rows[0][j] + " Z\u00fcrich"
            text = csv_bytes(header, rows).decode()
        ws.path(label).write_bytes(text.encode(codec, errors="replace"))
        return Expect(INVALID, label, 1 if label.endswith(".yaml") else 2)
    ws.path(label).write_bytes(text.encode(codec))
    return Expect(INVALID, label)


def separator(ws: Workspace, draw: Draw) -> Expect:
    """Semicolons (with decimal commas), tabs or pipes instead of commas."""
    _, label = ws.table_label(draw)
    header, rows = ws.read(label)
    sep = draw.choice([";", "\t", "|"])
    if sep == ";" and draw.choice([True, False]):
        rows = [[c.replace(".", ",") if c.replace(".", "", 1).isdigit() else c for c in r] for r in rows]
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator=draw.choice(["\n", "\r\n"])).writerows([header, *rows])
    ws.path(label).write_text(out.getvalue(), encoding="utf-8")
    return Expect(INVALID, label, 1)


def truncate(ws: Workspace, draw: Draw) -> Expect:
    """A file cut short at any byte: a cut inside a required table's header must be refused."""
    label = _any_file(ws, draw)
    data = ws.path(label).read_bytes()
    cut = draw.integer(0, len(data) - 1)
    ws.path(label).write_bytes(data[:cut])
    if label.endswith(".csv"):
        name = Path(label).stem
        if TABLES[name].required and b"\n" not in data[:cut]:
            return Expect(INVALID, label)
    return Expect(EITHER, mention=label if label.endswith(".csv") else "scenario.yaml")  # settings missing from a chain: its own yaml


def binary_junk(ws: Workspace, draw: Draw) -> Expect:
    """Bytes with a NUL spliced in anywhere: the file is refused as binary."""
    label = _any_file(ws, draw)
    data = ws.path(label).read_bytes()
    at = draw.integer(0, len(data))
    junk = draw.binary(0, 64)
    pos = draw.integer(0, len(junk))
    ws.path(label).write_bytes(data[:at] + junk[:pos] + b"\x00" + junk[pos:] + data[at + draw.integer(0, 32) :])
    return Expect(INVALID, label)


def random_bytes(ws: Workspace, draw: Draw) -> Expect:
    """Any bytes over any stretch of a file: loads or is refused naming that file."""
    label = _any_file(ws, draw)
    data = ws.path(label).read_bytes()
    start = draw.integer(0, len(data))
    end = draw.integer(start, min(len(data), start + 64))
    junk = draw.choice([draw.binary(0, 32), draw.text(0, 32).encode("utf-8", "surrogatepass"), b'"', b"\r", b",,,", b"\xff\xfe"])
    ws.path(label).write_bytes(data[:start] + junk + data[end:])
    return Expect(EITHER, mention=label if label.endswith(".csv") else "scenario.yaml")  # as in truncate


def open_quote(ws: Workspace, draw: Draw) -> Expect:
    _, label = ws.table_label(draw)
    data = ws.path(label).read_bytes()
    starts = [0] + [i + 1 for i, b in enumerate(data) if b in b",\n" and i + 1 < len(data) and data[i + 1 : i + 2] not in (b'"', b"\n")]
    at = draw.choice(starts)
    ws.path(label).write_bytes(data[:at] + b'"' + data[at:].replace(b'"', b""))
    return Expect(INVALID, label)


def huge_file(ws: Workspace, draw: Draw) -> Expect:
    """A sparse file over the size limit: refused from its size alone."""
    label = _any_file(ws, draw)
    limit = scenario_files.MAX_YAML_BYTES if label.endswith(".yaml") else scenario_files.MAX_CSV_BYTES
    with ws.path(label).open("r+b") as handle:
        handle.truncate(limit + draw.integer(1, 10**9))
    return Expect(INVALID, label)


def many_columns(ws: Workspace, draw: Draw) -> Expect:
    """A header with thousands of columns: refused quickly, one problem, not one per column."""
    _, label = ws.table_label(draw)
    header, rows = ws.read(label)
    extra = draw.integer(1_000, 20_000)
    ws.write(label, header + [f"c{i}" for i in range(extra)], [r + [""] * extra for r in rows[:3]])
    return Expect(INVALID, label, 1)


# -- scenario.yaml -------------------------------------------------------------------------------
def yaml_alias_bomb(ws: Workspace, draw: Draw) -> Expect:
    label = draw.choice(ws.yamls)
    depth = draw.integer(2, 12)
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, depth)]
    first = _yaml_append(ws, label, "\n".join(lines))
    return Expect(INVALID, label, first + 1)


def yaml_merge_alias(ws: Workspace, draw: Draw) -> Expect:
    label = ws.yamls[0]
    first = _yaml_append(ws, label, "defaults: &d {mip_gap: 0.01}\nsolver2:\n  <<: *d")
    return Expect(INVALID, label, first + 2)


def yaml_python_tag(ws: Workspace, draw: Draw) -> Expect:
    label = draw.choice(ws.yamls)
    marker = ws.root.parent / "owned"
    tag = draw.choice(
        [
            f"!!python/object/apply:os.system ['touch {marker}']",
            f"!!python/object/new:subprocess.check_output [['touch', '{marker}']]",
            "!!python/name:os.system",
            "!!python/module:os",
            "!!python/tuple [1, 2]",
            "!custom 3",
            "!!binary aGVsbG8=",
            "!!timestamp 2026-01-01",
        ]
    )
    key = draw.choice(["ceiling_mw", "name", "x"])
    if key == "name" and tag.startswith("!!binary"):
        key = "x"  # bytes are text to pydantic: a binary name is a valid name
    if label != ws.yamls[0] and any(ln.startswith(f"{key}:") for ln in _yaml_text(ws, ws.yamls[0]).splitlines()):
        key = "x"  # a child sets this key: the base's value is never used
    line = _yaml_replace(ws, label, key, tag) if key != "x" else _yaml_append(ws, label, f"x: {tag}")
    ws.notes.append(f"marker {marker}")
    return Expect(INVALID, label, line)


def yaml_syntax(ws: Workspace, draw: Draw) -> Expect:
    label = ws.yamls[0]
    text = draw.choice(
        [
            "ceiling_mw: [5000",
            "name: 'tiny",
            "\tceiling_mw: 5",
            "years: {start: 2026",
            "ceiling_mw: 1: 2",
            "- a\nb: 1",
            "x: @y",
            "%TAG ! x\n",
        ]
    )
    line = _yaml_append(ws, label, text)
    return Expect(INVALID, label, None if text.startswith(("- ", "%")) else line)


def yaml_not_a_mapping(ws: Workspace, draw: Draw) -> Expect:
    label = draw.choice(ws.yamls)
    ws.path(label).write_text(
        draw.choice(["- a\n- b\n", "5000\n", "'just text'\n", "[1, 2]\n", "---\na: 1\n---\nb: 2\n"]), encoding="utf-8"
    )
    return Expect(INVALID, label)


def yaml_duplicate_key(ws: Workspace, draw: Draw) -> Expect:
    label = ws.yamls[0]
    key = draw.choice(["name", "ceiling_mw", "description", "years"])
    line = _yaml_append(ws, label, f"{key}: {draw.choice(['x', '1', '[2026]'])}")
    text = _yaml_text(ws, label)
    if not any(ln.startswith(f"{key}:") for ln in text.splitlines()[: line - 1]):
        _yaml_append(ws, label, f"{key}: again")
        line += 1
    return Expect(INVALID, label, line, key)


def yaml_unknown_key(ws: Workspace, draw: Draw) -> Expect:
    label = ws.yamls[0]
    key = draw.choice(["ceilng_mw", "Ceiling_MW", "discount", "solver_name", "years2", "\u00e9t\u00e9", "tables_x"])
    line = _yaml_append(ws, label, f"{key}: 1")
    return Expect(INVALID, label, line, key)


def yaml_bad_setting(ws: Workspace, draw: Draw) -> Expect:
    """A setting with the wrong type, out of range, non-finite or absurd; ``column`` is the (dotted) key named."""
    label = ws.yamls[0]
    key, value, column = draw.choice(
        [
            *[("ceiling_mw", v, "ceiling_mw") for v in ("-5", "0", ".inf", ".nan", "lots", "1e30", "1.0e+16", "[5000]", "{a: 1}", "null")],
            *[("discount_rate", v, "discount_rate") for v in ("-0.1", "1", ".nan", "'7%'")],
            *[("years", v, "years") for v in ("[]", "[2027, 2026]", "[2026, 2026]", "{start: 2030, end: 2026}", "{end: 1950}", "[1800]")],
            *[("years", v, "years") for v in ("2026.5", "{start: 1900, end: 2300}", "{start: 2026, end: 2030, step: 0}", "[2026, x]")],
            *[("hours_per_year", v, "hours_per_year") for v in ("0", "9000", ".inf")],
            *[("load_factor", v, "load_factor") for v in ("0", "1.5", ".nan")],
            *[("carbon_price_usd_per_t", v, "carbon_price_usd_per_t") for v in ("-1", ".inf", "1.0e+300")],
            *[("budget_usd_per_year", v, "budget_usd_per_year") for v in ("-1", ".inf", "1.0e+300")],
            *[("emissions_cap_t_per_year", v, "emissions_cap_t_per_year") for v in ("-1", ".inf")],
            *[("latency_route_factor", v, "latency_route_factor") for v in ("0.5", ".inf")],
            ("solver", "{time_limit: .inf}", "solver.time_limit"),
            ("solver", "{time_limit: -1}", "solver.time_limit"),
            ("solver", "{mip_gap: .nan}", "solver.mip_gap"),
            ("solver", "{threads: 0}", "solver.threads"),
            ("solver", "{threads: 10000000}", "solver.threads"),
            ("solver", "{nme: x}", "solver.nme"),
            ("solver", "5", "solver"),
            *[("name", v, "name") for v in ("null", "[a]", "{a: b}", "2026-01-01")],
        ]
    )
    line = _yaml_replace(ws, label, key, value)
    return Expect(INVALID, label, line, column)


def yaml_missing_setting(ws: Workspace, draw: Draw) -> Expect:
    """A required setting removed from the file that sets it (the base of a chain)."""
    label = ws.yamls[-1]
    key = draw.choice(["years", "ceiling_mw"] + (["name"] if len(ws.yamls) == 1 else []))
    _yaml_replace(ws, label, key, "x")
    lines = _yaml_text(ws, label).splitlines()[:-1]
    ws.path(label).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Expect(INVALID, "scenario.yaml", None, key)


def yaml_deep_nesting(ws: Workspace, draw: Draw) -> Expect:
    label = ws.yamls[0]
    depth = draw.integer(200, 2000)
    open_, close = draw.choice([("[", "]"), ("{a: ", "}")])
    line = _yaml_append(ws, label, "deep: " + open_ * depth + close * depth)
    return Expect(INVALID, label, line)


# -- extends and paths ----------------------------------------------------------------------------
def extends_cycle(ws: Workspace, draw: Draw) -> Expect:
    length = draw.integer(0, 4)
    names = [f"loop{i}" for i in range(length)]
    for i, name in enumerate(names):
        (ws.root / name).mkdir()
        target = names[i + 1] if i + 1 < len(names) else ws.folder.name
        (ws.root / name / "scenario.yaml").write_text(f"extends: ../{target}\n", encoding="utf-8")
    first = names[0] if names else ws.folder.name
    label = ws.yamls[-1]
    line = _yaml_replace(ws, label, "extends", f"../{first}")
    if names:
        return Expect(INVALID, None, None, "extends")
    return Expect(INVALID, label, line, "extends")


def extends_chain(ws: Workspace, draw: Draw) -> Expect:
    """A chain of empty children: up to the depth limit it loads and hashes as the base; past it, refused."""
    from gigawatt.scenario.load import MAX_EXTENDS_DEPTH

    depth = draw.integer(1, MAX_EXTENDS_DEPTH + 3)
    previous = ws.folder.name
    for i in range(depth):
        (ws.root / f"child{i}").mkdir()
        text = draw.choice([f"extends: ../{previous}\n", f"# level {i}\nextends: '../{previous}'\n"])
        (ws.root / f"child{i}" / "scenario.yaml").write_text(text, encoding="utf-8")
        previous = f"child{i}"
    levels = depth + len(ws.yamls)
    ws.folder = ws.root / previous
    if levels <= MAX_EXTENDS_DEPTH:
        return Expect(True, same_hash=True)
    return Expect(INVALID, None, None, "extends")


def extends_bad(ws: Workspace, draw: Draw) -> Expect:
    label = ws.yamls[-1]
    value = draw.choice(
        [
            "../missing",
            "..",
            "../..",
            "/",
            "/etc",
            "../../outside",
            "5",
            "[a, b]",
            "''",
            "'   '",
            "{a: 1}",
            "true",
            "'x\\0y'",
            '"x\\0y"',
            "x" * 300,
            "/".join(["a"] * 3000),
        ]
    )
    line = _yaml_replace(ws, label, "extends", value)
    return Expect(INVALID, label, line, "extends")


def table_path_escape(ws: Workspace, draw: Draw) -> Expect:
    name = draw.choice(sorted(ws.tables))
    label = ws.yamls[0]
    target = ws.outside / f"{name}.csv"
    rel = os.path.relpath(target, ws.folder)
    value = draw.choice(
        [
            rel,
            str(target),
            "/etc/passwd",
            "/dev/zero",
            "../" * 12 + "etc/hostname",
            "'a\\0b'".replace("'", '"'),
            "x" * 300,
            "/".join(["a"] * 3000),
        ]
    )
    line = _yaml_replace(ws, label, "tables", f"{{{name}: {value if value.startswith(chr(34)) else repr(value)}}}")
    return Expect(INVALID, label, line)


def table_mapping_bad(ws: Workspace, draw: Draw) -> Expect:
    label = ws.yamls[0]
    value = draw.choice(["[sites.csv]", "5", "{sitez: sites.csv}", "{sites: 5}", "{sites: ''}", "{sites: [a]}", "{5: x}"])
    line = _yaml_replace(ws, label, "tables", value)
    return Expect(INVALID, label, line if value not in ("{sites: [a]}",) else None)


def symlink_escape(ws: Workspace, draw: Draw) -> Expect:
    """A table (or scenario.yaml) that is a symbolic link out of the root, in a loop, dangling or to a folder."""
    label = draw.choice(sorted(ws.tables.values()) + ws.yamls[:1])
    path = ws.path(label)
    kind = draw.choice(["outside", "device", "loop", "dangling", "folder"])
    content = path.read_bytes()
    path.unlink()
    if kind == "outside":
        source = ws.outside / path.name
        source.write_bytes(content)
        path.symlink_to(os.path.relpath(source, path.parent) if draw.choice([True, False]) else source)
    elif kind == "device":
        path.symlink_to(draw.choice(["/dev/zero", "/dev/urandom", "/dev/null", "/proc/self/environ"]))
    elif kind == "loop":
        other = path.with_name(path.name + ".loop")
        other.symlink_to(path.name)
        path.symlink_to(other.name)
    elif kind == "dangling":
        path.symlink_to("does-not-exist.csv")
    else:
        (ws.root / "a-folder").mkdir(exist_ok=True)
        path.symlink_to(ws.root / "a-folder")
    return Expect(INVALID, label if label.endswith(".csv") else None)


# -- the registry -----------------------------------------------------------------------------------
Mutation = Callable[[Workspace, Draw], Expect]

MUTATIONS: dict[str, Mutation] = {
    f.__name__: f
    for f in (
        drop_column,
        rename_column,
        duplicate_column,
        unknown_column,
        reorder_columns,
        empty_file,
        header_only,
        delete_table,
        row_width,
        duplicate_key,
        dangling_reference,
        unicode_normalisation,
        unicode_id,
        long_id,
        wrong_dtype,
        not_whole,
        nan_inf,
        out_of_bounds,
        zero_where_positive,
        absurd_magnitude,
        bad_choice,
        blank_required,
        equivalent_numbers,
        bom_and_line_ends,
        padding_and_blank_lines,
        other_encoding,
        separator,
        truncate,
        binary_junk,
        random_bytes,
        open_quote,
        huge_file,
        many_columns,
        yaml_alias_bomb,
        yaml_merge_alias,
        yaml_python_tag,
        yaml_syntax,
        yaml_not_a_mapping,
        yaml_duplicate_key,
        yaml_unknown_key,
        yaml_bad_setting,
        yaml_missing_setting,
        yaml_deep_nesting,
        extends_cycle,
        extends_chain,
        extends_bad,
        table_path_escape,
        table_mapping_bad,
        symlink_escape,
    )
}
#: Kinds whose every case must be refused (used to sample cases for the command line).
ALWAYS_INVALID = tuple(
    k
    for k in MUTATIONS
    if k
    not in {"reorder_columns", "header_only", "delete_table", "unicode_id", "long_id", "equivalent_numbers", "bom_and_line_ends"}
    | {"padding_and_blank_lines", "truncate", "random_bytes", "extends_chain"}
)


# -- the property ------------------------------------------------------------------------------------
@dataclass
class Outcome:
    """What loading gave: a scenario or the ScenarioError; ``failure`` says how the property broke."""

    scenario: gw.Scenario | None
    error: ScenarioError | None
    failure: str | None


def check(ws: Workspace, expect: Expect) -> Outcome:
    """Load the broken copy and test the property; any exception but ScenarioError propagates."""
    try:
        scn = gw.load_scenario(ws.folder)
    except ScenarioError as err:
        return Outcome(None, err, _check_error(err, expect))
    if expect.valid is False:
        return Outcome(scn, None, "loaded, but the edit must be refused")
    if expect.same_hash and scn.hash != ws.original_hash:
        return Outcome(scn, None, f"hash changed: {scn.hash} != {ws.original_hash}")
    return Outcome(scn, None, None)


def _check_error(err: ScenarioError, expect: Expect) -> str | None:
    if expect.valid is True:
        return f"refused, but the edit keeps the scenario valid:\n{err}"
    if not err.problems:
        return "ScenarioError without problems"
    if len(err.problems) > MAX_PROBLEMS:
        return f"{len(err.problems):,} problems; at most {MAX_PROBLEMS} expected"
    for p in err.problems:
        if not (isinstance(p.file, str) and p.file and isinstance(p.message, str) and p.message):
            return f"problem without file or message: {p!r}"
        if p.line is not None and not (isinstance(p.line, int) and p.line >= 1):
            return f"bad line number: {p!r}"
        if len(str(p)) > MAX_PROBLEM_CHARS:
            return f"problem over {MAX_PROBLEM_CHARS} characters: {str(p)[:200]}..."
    if len(err.table()) != len(err.problems):
        return "problem table and list differ"
    wanted = {k: v for k, v in (("file", expect.file), ("line", expect.line), ("column", expect.column)) if v is not None}
    if wanted and not any(all(getattr(p, k) == v for k, v in wanted.items()) for p in err.problems):
        return f"no problem names {wanted}:\n{err}"
    if expect.mention and not any(expect.mention in p.file or expect.mention in p.message for p in err.problems):
        return f"no problem mentions {expect.mention}:\n{err}"
    return None
