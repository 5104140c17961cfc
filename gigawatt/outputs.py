"""Where gigawatt may write: output paths checked before anything is written (plans, reports)."""

from __future__ import annotations

import os
from pathlib import Path

from gigawatt.errors import OutputRefused


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def output_path(path: str | Path) -> Path:
    """``path`` made absolute without following links, refused when it cannot name an output.

    Refused: the current folder or one of its parents (``--out .``), the root, and a path under
    an existing file.
    """
    target = Path(os.path.abspath(path))
    if not target.name:
        raise OutputRefused(path, "is the root folder; name a new folder or file")
    cwd = Path(os.path.abspath(os.getcwd()))
    if target == cwd or target in cwd.parents:
        raise OutputRefused(path, "is the current folder or one of its parents; name a new folder inside it, e.g. ./plan")
    for parent in target.parents:
        if _exists(parent) and not parent.is_dir():
            raise OutputRefused(path, f"{parent} is a file, not a folder")
    return target
