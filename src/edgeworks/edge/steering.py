"""Keep each viewer on one worker, so that its requests meet the same cache.

Every worker has its own cache. With the kernel's default spreading of ``SO_REUSEPORT``
connections (a hash of both addresses and ports), two requests in a row from one viewer, on two
connections, often land on two workers: the second is a Miss although the object was just
stored. A small classic BPF program attached to the port's group picks the worker from the
viewer's address alone (``address mod workers``), so one viewer always meets one worker while
many viewers still spread over all of them.

The program reads 32 bits at offset 12 of the network header: the IPv4 source address, or a
part of the IPv6 source address. Where the kernel refuses the program, the default spreading
stays and the refusal is logged at DEBUG.
"""

from __future__ import annotations

import ctypes
import logging
import socket
import struct

logger = logging.getLogger(__name__)

SO_ATTACH_REUSEPORT_CBPF = 51  # asm-generic/socket.h
_SKF_NET_OFF = -0x100000  # linux/filter.h: offsets from the network header
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_ALU_MOD_K = 0x94  # BPF_ALU | BPF_MOD | BPF_K
_RET_A = 0x16  # BPF_RET | BPF_A


def client_affinity_program(workers: int) -> bytes:
    """Return the classic BPF instructions that pick socket ``source address % workers``."""
    source = (_SKF_NET_OFF + 12) & 0xFFFFFFFF
    instructions = [(_LD_W_ABS, source), (_ALU_MOD_K, workers), (_RET_A, 0)]
    return b"".join(struct.pack("=HBBI", code, 0, 0, k) for code, k in instructions)


def steer_by_client(sock: socket.socket, workers: int) -> bool:
    """Attach the affinity program to the ``SO_REUSEPORT`` group of ``sock``.

    Args:
        sock: A bound socket of the group (one program serves the whole group).
        workers: How many workers share the port.

    Returns:
        True when the kernel took the program.
    """
    program = client_affinity_program(workers)
    buffer = ctypes.create_string_buffer(program, len(program))
    # struct sock_fprog { unsigned short len; struct sock_filter *filter; }
    fprog = struct.pack("HL", len(program) // 8, ctypes.addressof(buffer))
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, fprog)
    except OSError as exc:
        logger.debug("client affinity not available, connections spread by hash: %s", exc)
        return False
    return True
