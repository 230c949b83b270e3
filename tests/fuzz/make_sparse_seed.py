#!/usr/bin/env python3
"""Turns a disk image into the compact form fuzz_vhdx reads (see SparseFileSource
in fuzz_support.hpp): u32 LE size in sectors, then (u32 LE offset, u16 LE length,
bytes) records for every run of non-zero 512-byte blocks.

usage: make_sparse_seed.py IMAGE OUTPUT
"""
import struct
import sys

BLOCK = 512
MAX_RECORD = 32768


def encode(data: bytes) -> bytes:
    out = bytearray(struct.pack("<I", (len(data) + BLOCK - 1) // BLOCK))
    zero = bytes(BLOCK)
    i = 0
    while i < len(data):
        if data[i:i + BLOCK] == zero[:len(data[i:i + BLOCK])]:
            i += BLOCK
            continue
        j = i
        while j < len(data) and j - i < MAX_RECORD and data[j:j + BLOCK] != zero[:len(data[j:j + BLOCK])]:
            j += BLOCK
        chunk = data[i:j].rstrip(b"\0")
        out += struct.pack("<IH", i, len(chunk)) + chunk
        i = j
    return bytes(out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    with open(sys.argv[2], "wb") as f:
        f.write(encode(data))
