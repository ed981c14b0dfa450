#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write the seed corpus: small valid (and a few typical invalid) PDUs.

Usage: gen-seeds.py DIR   -> DIR/fuzz_iser_hdr/, DIR/fuzz_iscsi_pdu/,
                             DIR/fuzz_iser_pagelist/ (input layouts: see
                             the comment at the top of each harness)
Deterministic: rerunning it rewrites the same files.
"""
import os
import struct
import sys

RESERVED = 0xFFFFFFFF
ISER_CTRL = 0x10


def bhs(opcode, flags=0x80, b2=0, b3=0, ahs_words=0, dlen=0, lun=0, itt=RESERVED,
        ttt=RESERVED, statsn=1, exp_cmdsn=2, max_cmdsn=33, tail=b''):
    """48-byte BHS; tail fills bytes 36..47."""
    h = struct.pack('>BBBBB', opcode, flags, b2, b3, ahs_words)
    h += dlen.to_bytes(3, 'big')
    h += struct.pack('>QIIIII', lun, itt, ttt, statsn, exp_cmdsn, max_cmdsn)
    h += tail.ljust(12, b'\0')
    assert len(h) == 48
    return h


def pad4(b):
    return b + b'\0' * (-len(b) % 4)


SENSE = bytes([0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0])
ITT = 0x00010000        # also the EDTL fuzz_iser_hdr assumes: 65536
REJECTED = bhs(0x04 | 0x40, itt=0x00400002)  # an immediate Text Request


def pdus():
    """(name, bhs, ahs, data) for every target control PDU and a few more."""
    def rsp(flags=0x80, response=0, status=0, resid=0, dlen=0):
        return bhs(0x21, flags, response, status, dlen=dlen, itt=ITT,
                   ttt=0, tail=struct.pack('>III', 0, 0, resid))
    sd = struct.pack('>H', len(SENSE)) + SENSE
    yield 'scsi-rsp-good', rsp(), b'', b''
    yield 'scsi-rsp-sense', rsp(status=2, dlen=len(sd)), b'', sd
    yield 'scsi-rsp-underflow', rsp(0x82, resid=4096), b'', b''
    yield 'scsi-rsp-overflow', rsp(0x84, resid=512), b'', b''
    yield 'scsi-rsp-target-failure', rsp(response=1), b'', b''
    yield 'scsi-rsp-ahs', bhs(0x21, ahs_words=2, itt=ITT, ttt=0), \
        struct.pack('>HBB', 5, 0x02, 0) + b'\0' * 4, b''
    yield 'nop-in-ping', bhs(0x20, lun=1 << 48, ttt=0x1234), b'', b''
    yield 'nop-in-ping-data', bhs(0x20, dlen=8, ttt=0x99), b'', b'pingdata'
    yield 'nop-in-answer', bhs(0x20, itt=0x00410001), b'', b''
    yield 'tmf-rsp', bhs(0x22, b2=0, itt=0x00400003, ttt=0), b'', b''
    login = b'TargetPortalGroupTag=1\0HeaderDigest=None\0'
    yield 'login-rsp', bhs(0x23, 0x87, dlen=len(login), itt=0,
                           tail=b'\0\0\0\0' + b'\0' * 8), b'', login
    text = b'TargetName=iqn.2003-01.org.linux-iscsi.t:sn.1\0'
    yield 'text-rsp', bhs(0x24, dlen=len(text), itt=0x00400002), b'', text
    yield 'logout-rsp', bhs(0x26, itt=0x00400001, ttt=0), b'', b''
    yield 'async-logout-request', bhs(0x32, tail=struct.pack('>BBHHH', 1, 0, 0, 0, 2)), b'', b''
    yield 'async-scsi-event', bhs(0x32, dlen=len(sd), tail=struct.pack('>BBHHH', 0, 0, 0, 0, 0)), \
        b'', sd
    yield 'reject', bhs(0x3f, b2=0x09, dlen=48), b'', REJECTED
    yield 'reject-short', bhs(0x3f, b2=0x09, dlen=8), b'', REJECTED[:8]
    yield 'data-in', bhs(0x25, 0x81, dlen=4, itt=ITT, ttt=RESERVED), b'', b'abcd'
    yield 'r2t', bhs(0x31, itt=ITT, ttt=7), b'', b''


def write(path, blob):
    with open(path, 'wb') as f:
        f.write(blob)


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else 'corpus'
    dirs = {h: os.path.join(top, h) for h in
            ('fuzz_iser_hdr', 'fuzz_iscsi_pdu', 'fuzz_iser_pagelist')}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)

    for name, h, ahs, data in pdus():
        # iSER: iSER header (no STags on a target's SEND) + BHS + AHS + data + pad
        write(os.path.join(dirs['fuzz_iser_hdr'], name),
              bytes([ISER_CTRL]) + b'\0' * 27 + h + ahs + pad4(data))
        # iscsi_da: EDTL, MaxRecvDSL, BHS, data segment (AHS not handed up)
        write(os.path.join(dirs['fuzz_iscsi_pdu'], name),
              struct.pack('>II', 65536, 8192) + h + data)
    # CM REP private data (the iSER harness parses every input as one too)
    write(os.path.join(dirs['fuzz_iser_hdr'], 'cm-rep-lio'),
          bytes([0x80]) + b'\0' * 27)
    write(os.path.join(dirs['fuzz_iser_hdr'], 'cm-rep-no-si'),
          bytes([0xc0]) + b'\0' * 27)

    def pl(name, shift, max_pages, segs):
        blob = bytes([shift - 9]) + struct.pack('>H', max_pages)
        for addr, length in segs:
            blob += struct.pack('>QI', addr, length)
        write(os.path.join(dirs['fuzz_iser_pagelist'], name), blob)
    pl('one-page', 12, 256, [(0x10000, 4096)])
    pl('unaligned-single', 12, 256, [(0x10200, 10000)])
    pl('aligned-joins', 12, 256, [(0x10800, 0x800), (0x40000, 0x2000), (0x80000, 0x100)])
    pl('contiguous-in-page', 12, 256, [(0x10100, 0x100), (0x10200, 0x100)])
    pl('gap', 12, 256, [(0x10000, 0x100), (0x20000, 0x100)])
    pl('too-many-pages', 12, 4, [(0x10000, 0x8000)])
    pl('64k-pages', 16, 32, [(0x100000, 0x30000), (0x130000, 0x10000)])


if __name__ == '__main__':
    main()
