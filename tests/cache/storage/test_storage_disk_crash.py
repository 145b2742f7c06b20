"""Disk tier in real child processes: killed mid-write (SIGKILL), and writes that fail."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from edgeworks.cache.storage import DiskTier

# The child commits version 1 of /a, then starts overwriting /a and writing /b, says so, and
# waits to be killed with both writers open.
CHILD = """
import sys, time
from edgeworks.cache.storage import DiskTier

tier = DiskTier(sys.argv[1], 1 << 24)
writer = tier.open_writer(b"/a", b"v1")
for _ in range(50):
    writer.write(b"A" * 1000)
writer.commit()

again = tier.open_writer(b"/a", b"v2")
fresh = tier.open_writer(b"/b", b"v1")
for _ in range(200):
    again.write(b"Z" * 1000)
    fresh.write(b"B" * 1000)
print("writing", flush=True)
time.sleep(30)
"""


def test_writer_killed_mid_write_leaves_the_old_entry_and_nothing_else(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "writing"
        assert len(list((tmp_path / "tmp").iterdir())) == 2
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    tier = DiskTier(tmp_path, 1 << 24)

    assert tier.get(b"/b") is None
    found = tier.get(b"/a")
    assert found is not None
    assert (found.meta, found.read_body()) == (b"v1", b"A" * 50_000)
    assert tier.stats.temp_removed == 2
    assert list((tmp_path / "tmp").iterdir()) == []
    files = [path for path in (tmp_path / "objects").rglob("*") if path.is_file()]
    assert len(files) == 1
    assert tier.bytes_used == files[0].stat().st_size


# The child may write files of at most 100 KB (as on a full disk, writes past it fail), keeps
# one small committed entry, and reports what a larger writer sees.
FULL_DISK_CHILD = """
import resource, signal, sys
from edgeworks.cache.storage import DiskTier

tier = DiskTier(sys.argv[1], 1 << 24)
writer = tier.open_writer(b"/small", b"v1")
writer.write(b"s" * 1000)
writer.commit()

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
big = tier.open_writer(b"/big", b"v1")
results = [big.write(b"B" * 60_000) for _ in range(3)]
print(results, big.commit(), flush=True)
"""


def test_a_write_error_gives_the_object_up_and_leaves_the_rest(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK_CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[True, False, False] False"
    assert "cannot write cache file" in done.stderr
    assert list((tmp_path / "tmp").iterdir()) == []  # the writer removed its own temp file
    tier = DiskTier(tmp_path, 1 << 24)
    assert tier.get(b"/big") is None
    found = tier.get(b"/small")
    assert found is not None
    assert found.read_body() == b"s" * 1000
