#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""read-watch.py DEV SECONDS: is a failed read's buffer still open to the fabric?

Reads 64 KiB blocks of DEV with O_DIRECT, one at a time, into one
page-aligned buffer, until a read fails or SECONDS pass.  Once a read
fails, the buffer is ours again: it is zeroed and watched for 3 s.  A
byte that changes then was written by the target through a key the
initiator left valid after it completed the command.

Exit 0: a read failed and its buffer stayed untouched; 1: the buffer was
written after the read had returned; 2: no read failed within SECONDS.
One line on stdout says which.
"""
import mmap
import os
import sys
import time

BLOCK = 64 * 1024
SPAN = 4 * 1024 * 1024
WATCH_S = 3.0


def main():
    dev, seconds = sys.argv[1], float(sys.argv[2])
    buf = mmap.mmap(-1, BLOCK)
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    reads, off, t_end = 0, 0, time.monotonic() + seconds
    while True:
        if time.monotonic() > t_end:
            print(f"read-watch: no read failed in {seconds:.0f} s ({reads} reads)")
            return 2
        try:
            os.preadv(fd, [buf], off)
        except OSError as e:
            failed = (off, e.strerror)
            break
        reads += 1
        off = (off + BLOCK) % SPAN
    t0 = time.monotonic()
    buf[:] = bytes(BLOCK)
    while time.monotonic() - t0 < WATCH_S:
        data = buf[:]
        if any(data):
            n = sum(1 for b in data if b)
            first = next(i for i, b in enumerate(data) if b)
            print(f"read-watch: BUFFER WRITTEN AFTER THE READ FAILED: read {reads + 1} "
                  f"at {failed[0]} failed ({failed[1]}), then {n} of {BLOCK} bytes "
                  f"changed (first at +{first}, 0x{data[first]:02x}) "
                  f"{(time.monotonic() - t0) * 1000:.0f} ms later")
            return 1
        time.sleep(0.005)
    print(f"read-watch: read {reads + 1} at {failed[0]} failed ({failed[1]}); "
          f"its buffer stayed untouched for {WATCH_S:.0f} s after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
