#!/usr/bin/env python3
"""Benchmark data for bench/run.sh: reproducible trees and change sets.

    gen.py tree SET DIR [--seed N] [--files N] [--shrink K]
                                                  SET: S, M or L; DIR must not exist;
                                                  --shrink K divides set L's file sizes by K
    gen.py change SET DIR ROUND [--seed N]        edit 1 %, delete 0.5 %, add 0.5 % of DIR's files
                                                  (L: append 1 MiB to big.bin, touch f01.bin)
    gen.py scale DIR ENTRIES                      ENTRIES empty files in a 4-level tree

Sets (the same kinds as the peers' baselines in shared/bench):
    S  20,000 files, sizes 1..64 KiB drawn log-uniformly, tree DIR/dA/dB/dC/fNNNNNN.dat
    M  100,000 files, sizes 0..4096 bytes drawn uniformly, same tree shape
    L  one 1 GiB file and 20 files of 50 MiB at the top level

Every choice comes from random.Random(seed).random(), whose sequence Python keeps stable
across versions; file bytes are SHAKE-128 output keyed by (seed, file, chunk), so they
are incompressible and identical on every machine. mtime of file i = 1700000000 + i.
Each command prints one summary line (DATA / CHANGE / SCALE) for the results file.
"""
import argparse
import hashlib
import os
import random
import sys
import time

BASE_MTIME = 1_700_000_000
CHANGE_MTIME = 1_800_000_000      # edited and added files get mtimes from here on
CHUNK = 1 << 20
DEFAULT_FILES = {"S": 20_000, "M": 100_000}


def draw_size(kind, rng):
    """File size for one small-file set, drawn from the set's distribution."""
    if kind == "S":
        return int(1024 * 64 ** rng.random())        # log-uniform, 1 KiB .. 64 KiB
    return int(rng.random() * 4097)                  # uniform, 0 .. 4096 bytes


def write_blob(path, size, key, mtime):
    """Write SIZE pseudo-random bytes derived from KEY, then set atime/mtime."""
    with open(path, "wb") as out:
        done, chunk_no = 0, 0
        while done < size:
            n = min(CHUNK, size - done)
            out.write(hashlib.shake_128(b"%s/%d" % (key, chunk_no)).digest(n))
            done += n
            chunk_no += 1
    os.utime(path, (mtime, mtime))


def leaf_dir(root, i):
    """1000 leaf directories, three levels deep, files spread round-robin."""
    leaf = i % 1000
    return os.path.join(root, "d%d" % (leaf // 100), "d%d" % (leaf // 10 % 10), "d%d" % (leaf % 10))


def count_tree(root):
    files = size = 0
    for top, _dirs, names in os.walk(root):
        for name in names:
            files += 1
            size += os.lstat(os.path.join(top, name)).st_size
    return files, size


def cmd_tree(args):
    t0 = time.monotonic()
    if os.path.lexists(args.dir):
        sys.exit("gen.py: %s already exists" % args.dir)
    os.makedirs(args.dir)
    if args.set == "L":
        shrink = max(1, args.shrink)
        write_blob(os.path.join(args.dir, "big.bin"), (1 << 30) // shrink, b"L%d/big" % args.seed, BASE_MTIME)
        for k in range(1, 21):
            write_blob(os.path.join(args.dir, "f%02d.bin" % k), (50 << 20) // shrink,
                       b"L%d/%d" % (args.seed, k), BASE_MTIME + k)
    else:
        rng = random.Random(args.seed)
        total = args.files or DEFAULT_FILES[args.set]
        made = set()
        for i in range(total):
            d = leaf_dir(args.dir, i)
            if d not in made:
                os.makedirs(d, exist_ok=True)
                made.add(d)
            write_blob(os.path.join(d, "f%06d.dat" % i), draw_size(args.set, rng),
                       b"%s%d/%d" % (args.set.encode(), args.seed, i), BASE_MTIME + i)
    files, size = count_tree(args.dir)
    print("DATA set=%s dir=%s files=%d bytes=%d seed=%d gen_s=%.2f"
          % (args.set, args.dir, files, size, args.seed, time.monotonic() - t0))


def change_large(args):
    """Set L's change set, as in the peers' baselines: 1 MiB of new bytes appended to big.bin
    (new size and mtime) and f01.bin touched (new mtime, same bytes)."""
    stamp = CHANGE_MTIME + args.round * 100_000
    big = os.path.join(args.dir, "big.bin")
    with open(big, "ab") as out:
        out.write(hashlib.shake_128(b"chgL%d/%d" % (args.seed, args.round)).digest(1 << 20))
    os.utime(big, (stamp, stamp))
    os.utime(os.path.join(args.dir, "f01.bin"), (stamp + 1, stamp + 1))
    files, _size = count_tree(args.dir)
    print("CHANGE set=L round=%d files_before=%d edited=1 deleted=0 added=0 appended_bytes=%d touched=1"
          % (args.round, files, 1 << 20))


def cmd_change(args):
    """One round's change set. The file list is sorted, then shuffled by a generator
    seeded from (seed, round): the first 1 % are rewritten with new bytes, a new size
    and a new mtime; the next 0.5 % are deleted; 0.5 % new files go into the
    directories of the following ones."""
    if args.set == "L":
        change_large(args)
        return
    rng = random.Random(args.seed * 100_003 + 7919 * (args.round + 1))
    paths = []
    for top, _dirs, names in os.walk(args.dir):
        paths.extend(os.path.join(top, n) for n in names)
    paths.sort()
    rng.shuffle(paths)
    n = len(paths)
    n_edit, n_del, n_add = n // 100, n // 200, n // 200
    stamp = CHANGE_MTIME + args.round * 100_000
    key = b"chg%d/%d" % (args.seed, args.round)
    for k, p in enumerate(paths[:n_edit]):
        write_blob(p, draw_size(args.set, rng), key + b"/e%d" % k, stamp + k)
    for p in paths[n_edit:n_edit + n_del]:
        os.unlink(p)
    for k, p in enumerate(paths[n_edit + n_del:n_edit + n_del + n_add]):
        new = os.path.join(os.path.dirname(p), "new-r%d-%d.dat" % (args.round, k))
        write_blob(new, draw_size(args.set, rng), key + b"/a%d" % k, stamp + 50_000 + k)
    print("CHANGE set=%s round=%d files_before=%d edited=%d deleted=%d added=%d"
          % (args.set, args.round, n, n_edit, n_del, n_add))


def cmd_scale(args):
    """ENTRIES empty files, 100 per leaf in a 10 x 10 x 10 x N tree (4 directory levels)."""
    t0 = time.monotonic()
    if os.path.lexists(args.dir):
        sys.exit("gen.py: %s already exists" % args.dir)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    current = None
    for i in range(args.entries):
        leaf = i // 100
        if leaf != current:
            current = leaf
            d = os.path.join(args.dir, "a%d" % (leaf % 10), "b%d" % (leaf // 10 % 10),
                             "c%d" % (leaf // 100 % 10), "e%d" % (leaf // 1000))
            os.makedirs(d, exist_ok=True)
        fd = os.open(os.path.join(d, "n%07d" % i), flags, 0o644)
        os.utime(fd, (BASE_MTIME + i, BASE_MTIME + i))
        os.close(fd)
    dirs = sum(1 for _ in os.walk(args.dir))
    print("SCALE dir=%s files=%d dirs=%d gen_s=%.2f" % (args.dir, args.entries, dirs, time.monotonic() - t0))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("tree")
    p.add_argument("set", choices=["S", "M", "L"])
    p.add_argument("dir")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--files", type=int, default=0, help="override the file count (S and M)")
    p.add_argument("--shrink", type=int, default=1, help="divide set L's file sizes by this (smoke runs)")
    p = sub.add_parser("change")
    p.add_argument("set", choices=["S", "M", "L"])
    p.add_argument("dir")
    p.add_argument("round", type=int)
    p.add_argument("--seed", type=int, default=42)
    p = sub.add_parser("scale")
    p.add_argument("dir")
    p.add_argument("entries", type=int)
    args = ap.parse_args()
    {"tree": cmd_tree, "change": cmd_change, "scale": cmd_scale}[args.cmd](args)


if __name__ == "__main__":
    main()
