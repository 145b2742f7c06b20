"""Client affinity on a shared port: one viewer address, one worker socket."""

from __future__ import annotations

import select
import socket
import struct
from collections import Counter

from edgeworks.edge.steering import client_affinity_program, steer_by_client
from edgeworks.edge.worker import listening_socket


def accepted_by(sockets: list[socket.socket], port: int, source: str) -> int:
    """Connect from ``source`` and return the index of the socket that got the connection."""
    with socket.socket() as viewer:
        viewer.bind((source, 0))
        viewer.connect(("127.0.0.1", port))
        ready, _, _ = select.select(sockets, [], [], 2.0)
        assert len(ready) == 1
        conn, _ = ready[0].accept()
        conn.close()
        return sockets.index(ready[0])


def test_each_viewer_address_meets_one_socket_and_addresses_spread() -> None:
    first = listening_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    sockets = [first, listening_socket("127.0.0.1", port)]
    try:
        assert steer_by_client(first, 2)
        seen = Counter(
            (source, accepted_by(sockets, port, source))
            for source in ["127.0.0.1", "127.0.0.2"] * 8
        )
    finally:
        for sock in sockets:
            sock.close()

    # 127.0.0.1 is odd and 127.0.0.2 even: address mod 2 picks socket 1 and socket 0.
    assert seen == Counter({("127.0.0.1", 1): 8, ("127.0.0.2", 0): 8})


def test_program_is_three_instructions_ending_in_return() -> None:
    program = client_affinity_program(4)

    assert len(program) == 3 * 8
    assert struct.unpack("=H", program[-8:-6]) == (0x16,)  # BPF_RET | BPF_A
