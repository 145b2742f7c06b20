"""One service per data directory.

Two processes running executions from the same store would both resume them and run every
task twice, so the service holds an exclusive lock on a file in the data directory for as long
as it runs. The operating system drops the lock when the process ends, however it ends.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from edgeworks.states.errors import StatesError


class DirectoryLock:
    """An exclusive lock on ``path``, taken at once or refused.

    Raises:
        StatesError: Another process holds the lock; the message names the file and its pid.
    """

    def __init__(self, path: Path) -> None:
        self._file = path.open("a+")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self._file.seek(0)
            holder = self._file.read().strip() or "unknown"
            self._file.close()
            folder = str(path.parent)
            raise StatesError(
                f"{folder!r} is in use by another edgeworks states process (pid {holder})"
            ) from exc
        self._file.seek(0)
        self._file.truncate()
        self._file.write(str(os.getpid()))
        self._file.flush()

    def release(self) -> None:
        """Let another process take the directory."""
        if not self._file.closed:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
