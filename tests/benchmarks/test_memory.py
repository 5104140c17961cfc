"""benchmarks.memory: resident memory of a process and of its children together (Linux /proc)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from benchmarks.memory import TreePeak, descendants, status_mb  # noqa: E402

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")

CHILD_MB = 200


def test_tree_peak_counts_a_child_process_with_its_parent():
    """A child holding 200 MB for 1.5 s adds at least 150 MB (its interpreter aside) to the sampled peak."""
    code = f"import time; block = bytearray({CHILD_MB} * 1024 * 1024); print('ready', flush=True); time.sleep(1.5)"
    with TreePeak() as memory:
        before = status_mb("VmRSS")
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        assert str(child.pid) in descendants()
        child.wait()
    assert before is not None and memory.peak_mb is not None
    assert memory.peak_mb >= before + 0.75 * CHILD_MB


def test_a_process_that_does_not_exist_has_no_figure():
    """Linux process ids stop at 2**22, so 2**22 + 1 names no process."""
    assert status_mb("VmRSS", 2**22 + 1) is None and descendants(2**22 + 1) == []
