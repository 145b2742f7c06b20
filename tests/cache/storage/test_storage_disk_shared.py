"""Disk tier shared by several processes of one node (workers): real child processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from edgeworks.cache.storage import DiskTier

# The child opens the same directory, starts writing /shared, says so, waits for a line on
# stdin, then commits, deletes /gone, and says so.
CHILD = """
import sys
from edgeworks.cache.storage import DiskTier

tier = DiskTier(sys.argv[1], 1 << 24)
writer = tier.open_writer(b"/shared", b"from the child")
writer.write(b"C" * 20_000)
print("writing", flush=True)
sys.stdin.readline()
print("committed" if writer.commit() else "refused", flush=True)
tier.delete(b"/gone")
print("deleted", flush=True)
"""


def test_workers_sharing_a_directory_see_each_others_objects(tmp_path: Path) -> None:
    parent = DiskTier(tmp_path, 1 << 24)
    writer = parent.open_writer(b"/gone", b"m")
    assert writer is not None and writer.write(b"soon deleted by the child") and writer.commit()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdin is not None and child.stdout is not None
        assert child.stdout.readline().strip() == "writing"

        # A worker (re)starting meanwhile must leave the live child's temp file alone.
        restarted = DiskTier(tmp_path, 1 << 24)
        assert restarted.stats.temp_removed == 0

        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "committed"
        assert child.stdout.readline().strip() == "deleted"
    finally:
        child.kill()
        child.wait(timeout=10)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()

    found = parent.get(b"/shared")
    assert found is not None
    assert (found.meta, found.read_body()) == (b"from the child", b"C" * 20_000)
    assert parent.stats.adopted == 1
    assert b"/shared" in parent

    assert parent.get(b"/gone") is None
    assert b"/gone" not in parent
    assert parent.stats.corrupt_dropped == 0
