"""Run a function in a child process that can be stopped: its messages stream back, and it is killed at a deadline.

HiGHS checks its time limit and its interrupt callbacks between steps, and inside some steps (the root
separation rounds of a large MIP) it runs tens of seconds past its limit. A thread cannot be stopped; a
process can. :func:`run` starts ``python`` on :func:`_main`, hands it the target (``"module:function"``)
and its arguments by pickle on its standard input, and reads what ``target(*args, send=send)`` sends
(``send(kind, *values)``) as length-prefixed pickles on a pipe of its own. The parent keeps the last
message of each kind and kills the child once the deadline passes or a stop is requested
(:mod:`gigawatt.solvers.stop`): what the child sent before (an incumbent, a bound) is what is left.

The child is a plain ``subprocess`` (a Dask worker, a daemon process, may start one, where
``multiprocessing`` refuses), in a session of its own (Ctrl-C in the terminal reaches the parent only,
which decides), and it exits when the parent does (its standard input closes).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from gigawatt.solvers import stop

#: Seconds between two looks at the deadline and at a stop request.
POLL_S = 0.05
_HEADER = 8


@dataclass
class Outcome:
    """How a child run ended: ``result`` (the target returned), or ``stopped`` (``"deadline"`` or ``"stop"``), or
    ``error`` (the target raised, or the child died); ``last`` holds the last message of each kind."""

    result: object = None
    finished: bool = False
    stopped: str | None = None
    error: str | None = None
    last: dict[str, tuple] = field(default_factory=dict)


def run(target: str, args: tuple, limit_s: float | None, on_message: Callable[[str, tuple], None] | None = None) -> Outcome:
    """Run ``target(*args, send=...)`` in a child process; kill it ``limit_s`` seconds after its start or when a stop
    is requested. ``on_message(kind, values)`` sees each message as it arrives (in this thread)."""
    read_end, write_end = os.pipe()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    command = [sys.executable, "-c", "from gigawatt.solvers.child import _main; _main()", str(write_end)]
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, pass_fds=(write_end,), start_new_session=True, env=env)
    os.close(write_end)
    inbox: queue.Queue[tuple[str, tuple] | None] = queue.Queue()
    reader = threading.Thread(target=_read_all, args=(os.fdopen(read_end, "rb"), inbox), name="child-reader", daemon=True)
    reader.start()
    outcome = Outcome()
    deadline = None if limit_s is None else time.perf_counter() + limit_s
    with contextlib.suppress(BrokenPipeError):  # the child died at start: its end of the pipe says so below
        _write_frame(proc.stdin, pickle.dumps((target, args), protocol=pickle.HIGHEST_PROTOCOL))  # type: ignore[arg-type]
    try:
        while True:
            try:
                message = inbox.get(timeout=POLL_S)
            except queue.Empty:
                message = ()  # type: ignore[assignment]
            if message is None:  # the pipe closed: the child is done, or died
                if not outcome.finished and outcome.error is None:
                    outcome.error = f"the solver process ended without a result (exit code {proc.wait()})"
                return outcome
            if message:
                kind, values = message
                if kind == "result":
                    outcome.result, outcome.finished = values[0], True
                elif kind == "error":
                    outcome.error = str(values[0])
                else:
                    outcome.last[kind] = values
                    if on_message is not None:
                        on_message(kind, values)
                continue
            if stop.requested():
                outcome.stopped = "stop"
                return outcome
            if deadline is not None and time.perf_counter() > deadline:
                outcome.stopped = "deadline"
                return outcome
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stdin is not None:
            proc.stdin.close()


def _write_frame(stream: BinaryIO, data: bytes) -> None:
    stream.write(len(data).to_bytes(_HEADER, "little"))
    stream.write(data)
    stream.flush()


def _read_frame(stream: BinaryIO) -> bytes | None:
    """One frame, or None at the end of the stream (a frame cut short counts as the end)."""
    header = stream.read(_HEADER)
    if len(header) < _HEADER:
        return None
    size = int.from_bytes(header, "little")
    data = stream.read(size)
    return data if len(data) == size else None


def _read_all(stream: BinaryIO, inbox: queue.Queue) -> None:
    """Put each message of ``stream`` in ``inbox``, then None at its end."""
    with stream:
        while (data := _read_frame(stream)) is not None:
            inbox.put(pickle.loads(data))
    inbox.put(None)


def _main() -> None:
    """The child: read the target and its arguments, run it, send its messages and its result (or its error)."""
    out = os.fdopen(int(sys.argv[1]), "wb")
    data = _read_frame(sys.stdin.buffer)
    if data is None:
        return
    target, args = pickle.loads(data)
    threading.Thread(target=_exit_with_parent, name="parent-watch", daemon=True).start()
    lock = threading.Lock()

    def send(kind: str, *values: object) -> None:
        data = pickle.dumps((kind, values), protocol=pickle.HIGHEST_PROTOCOL)
        with lock:
            _write_frame(out, data)

    try:
        module, name = target.split(":")
        result = getattr(importlib.import_module(module), name)(*args, send=send)
    except Exception as error:
        send("error", f"{type(error).__name__}: {error}")
    else:
        send("result", result)
    out.close()


def _exit_with_parent() -> None:
    """End this process once its standard input closes: the parent has gone (or is done with it)."""
    while sys.stdin.buffer.read(1 << 16):
        pass
    os._exit(1)
