"""The supervisor of a multi-worker node: forks the workers, restarts them, relays signals.

Each worker is a forked child that binds the listening port itself with ``SO_REUSEPORT``, so
the kernel spreads connections between them and a dying worker takes no other's sockets with
it. The supervisor runs no event loop: it blocks the signals it cares about and takes them one
at a time with ``sigtimedwait``, which leaves no window between a check and a wait.

- ``SIGCHLD``: a child exited. Unless the node is stopping, it is started again (after a pause
  when it keeps dying young, so a broken worker cannot spin the processor).
- ``SIGHUP``: the ``validate`` callback checks the new configuration first; only when it is
  good is ``SIGHUP`` forwarded to every child, which then reloads it.
- ``SIGTERM``/``SIGINT``: forwarded to every child, which drains and exits; the supervisor
  waits for them (killing any that overstay the grace period) and exits 0.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence

logger = logging.getLogger(__name__)

Target = Callable[[], int]
"""What a child runs; its return value becomes the child's exit status."""

_SIGNALS = (signal.SIGCHLD, signal.SIGHUP, signal.SIGTERM, signal.SIGINT)
_PR_SET_PDEATHSIG = 1  # prctl(2) option: a signal for this process when its parent dies
_YOUNG = 1.0  # seconds: a child that dies sooner than this is restarted only after a pause


class Supervisor:
    """Runs each target in its own child process and keeps it running.

    Args:
        targets: One callable per child; a restarted child runs the same callable again.
        validate: Called on ``SIGHUP``; returns True when the configuration may be reloaded.
        grace: Seconds the children get to drain after ``SIGTERM`` before they are killed.
    """

    def __init__(
        self, targets: Sequence[Target], validate: Callable[[], bool], grace: float
    ) -> None:
        self._targets = list(targets)
        self._validate = validate
        self._grace = grace
        self._pids: dict[int, int] = {}  # pid -> index of its target
        self._started: dict[int, float] = {}  # index -> when it last started

    def run(self) -> int:
        """Start every child and supervise them until told to stop; return the exit status."""
        signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        # Blocked, the signals wait for sigtimedwait; an ignored one might be dropped instead.
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        for index in range(len(self._targets)):
            self._start(index)
        logger.info("supervisor %d started %d children", os.getpid(), len(self._targets))
        while True:
            info = signal.sigtimedwait(_SIGNALS, 1.0)
            if info is None or info.si_signo == signal.SIGCHLD:
                self._reap_and_restart()
            elif info.si_signo == signal.SIGHUP:
                self._reload()
            else:
                return self._stop(signal.Signals(info.si_signo).name)

    def _start(self, index: int) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os._exit(_run_child(self._targets[index], parent))
        self._pids[pid] = index
        self._started[index] = time.monotonic()

    def _reap_and_restart(self) -> None:
        for pid, index, status in self._reap():
            logger.warning(
                "worker %d (pid %d) exited with status %d; starting it again",
                index,
                pid,
                os.waitstatus_to_exitcode(status),
            )
            if time.monotonic() - self._started[index] < _YOUNG:
                time.sleep(_YOUNG)
            self._start(index)

    def _reap(self) -> list[tuple[int, int, int]]:
        """Forget every child that has exited; return their ``(pid, index, wait status)``."""
        exited = []
        while self._pids:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in self._pids:
                exited.append((pid, self._pids.pop(pid), status))
        return exited

    def _reload(self) -> None:
        if not self._validate():
            logger.warning("configuration refused; the workers keep the old one")
            return
        logger.info("configuration valid; asking %d workers to reload", len(self._pids))
        self._signal_all(signal.SIGHUP)

    def _stop(self, name: str) -> int:
        logger.info("%s: stopping %d workers", name, len(self._pids))
        self._signal_all(signal.SIGTERM)
        deadline = time.monotonic() + self._grace
        while self._pids and time.monotonic() < deadline:
            self._reap()
            if self._pids:
                signal.sigtimedwait([signal.SIGCHLD], 0.1)
        for pid in list(self._pids):
            logger.warning("worker pid %d did not stop within %.1fs; killing it", pid, self._grace)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        return 0

    def _signal_all(self, signum: signal.Signals) -> None:
        for pid in self._pids:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                continue  # exited meanwhile; the next SIGCHLD reaps it


def _run_child(target: Target, parent: int) -> int:
    """Run ``target`` in a fresh child: default signal dispositions, nothing blocked."""
    for signum in _SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    # A reload forwarded before the child's loop takes SIGHUP must not end it (its default).
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    _stop_with_parent(parent)
    try:
        return target()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        logger.exception("worker pid %d failed", os.getpid())
        return 70  # EX_SOFTWARE
    finally:
        # os._exit skips interpreter shutdown, so buffered output would be lost.
        sys.stdout.flush()
        sys.stderr.flush()


def _stop_with_parent(parent: int) -> None:
    """Have the kernel send SIGTERM to this child when the supervisor dies (Linux only).

    Without it, a supervisor killed with SIGKILL would leave its workers serving on the port
    with nobody to stop or restart them.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the supervisor died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)
