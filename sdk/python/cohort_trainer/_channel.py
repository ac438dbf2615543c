"""The trainer's end of the channel: frames on fd 3 (see proto/cohort/trainer/v1/trainer.proto).

A frame is a 4-byte little-endian length, then one protobuf message. TensorChunk frames
are encoded by hand so tensor bytes go to the socket without an extra copy.
"""

import socket
import struct

from . import trainer_pb2 as pb

CONTRACT = "cohort.trainer.v1"
MAX_FRAME_BYTES = 4 * 1024 * 1024 + 64 * 1024
MAX_CHUNK_BYTES = 4 * 1024 * 1024

_LENGTH = struct.Struct("<I")


class ContractError(Exception):
    """The daemon sent something the contract does not allow (the trainer should exit)."""


def _varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


class Channel:
    """Blocking frame I/O over the socket the daemon passed as a file descriptor."""

    def __init__(self, fd):
        self._sock = socket.socket(fileno=fd)

    def close(self):
        self._sock.close()

    def _read_exactly(self, n):
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self._sock.recv_into(view[got:], n - got)
            if k == 0:
                return None if got == 0 else self._truncated(got, n)
            got += k
        return buf

    @staticmethod
    def _truncated(got, n):
        raise ContractError("the channel closed in the middle of a frame (%d of %d bytes)" % (got, n))

    def receive(self):
        """The next DaemonMessage, or None when the daemon closed the channel."""
        head = self._read_exactly(4)
        if head is None:
            return None
        (length,) = _LENGTH.unpack(head)
        if length == 0 or length > MAX_FRAME_BYTES:
            raise ContractError("the daemon announced a frame of %d bytes" % length)
        body = self._read_exactly(length)
        if body is None:
            raise ContractError("the channel closed before a frame's body")
        message = pb.DaemonMessage()
        message.ParseFromString(bytes(body))
        return message

    def send(self, message):
        """Send one TrainerMessage."""
        body = message.SerializeToString()
        self._sock.sendall(_LENGTH.pack(len(body)) + body)

    def send_tensor_data(self, request, data):
        """Send `data` (bytes-like, float32 little-endian) as TensorChunk frames of request `request`."""
        view = memoryview(data).cast("B")
        for start in range(0, len(view), MAX_CHUNK_BYTES):
            piece = view[start:start + MAX_CHUNK_BYTES]
            inner = b"\x08" + _varint(request) + b"\x12" + _varint(len(piece))
            outer = b"\x22" + _varint(len(inner) + len(piece))  # TrainerMessage.chunk is field 4
            self._sock.sendall(_LENGTH.pack(len(outer) + len(inner) + len(piece)) + outer + inner)
            self._sock.sendall(piece)
