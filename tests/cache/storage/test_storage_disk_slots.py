"""Worker slots of a shared disk directory: taken at start-up, freed when a process ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from edgeworks.cache.storage import DiskTier, StorageError

# A worker process that takes a slot, says which, and waits to be killed.
CHILD = """
import sys, time
from edgeworks.cache.storage import DiskTier

tier = DiskTier(sys.argv[1], 1 << 20, workers=2)
print(tier.share[0], flush=True)
time.sleep(60)
"""


def test_slot_of_a_killed_worker_is_taken_again(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "0"
        second = DiskTier(tmp_path, 1 << 20, workers=2)
        assert second.share == (1, 2)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()
    restarted = DiskTier(tmp_path, 1 << 20, workers=2)
    assert restarted.share == (0, 2)


def test_worker_beyond_the_slots_indexes_nothing_found(tmp_path: Path) -> None:
    single = DiskTier(tmp_path, 1 << 20)
    writer = single.open_writer(b"/a", b"m", 4)
    assert writer is not None and writer.write(b"body") and writer.commit()
    holders = [DiskTier(tmp_path, 1 << 20, workers=2) for _ in range(2)]
    extra = DiskTier(tmp_path, 1 << 20, workers=2)
    assert extra.share == (-1, 2) and len(extra) == 0
    assert sum(len(tier) for tier in holders) == 1
    found = extra.get(b"/a")  # still read, and adopted, on demand
    assert found is not None


@pytest.mark.parametrize("workers", [0, -1])
def test_bad_worker_count_named(tmp_path: Path, workers: int) -> None:
    with pytest.raises(StorageError, match=f"workers must be a positive integer, got {workers}"):
        DiskTier(tmp_path, 1 << 20, workers=workers)
