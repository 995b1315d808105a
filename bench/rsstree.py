#!/usr/bin/env python3
"""Peak memory of a command's whole process tree, for bench/run.sh.

    rsstree.py CMD

Runs `bash -c CMD` as the leader of a new session and, every 5 ms until it ends, adds up the
resident set (VmRSS) of every process in that session: rsync's three processes, a tool and its
helpers, all count. Prints one line:

    peak_tree_KiB=N largest_process_KiB=N processes=N samples=N rc=N

Sampling can miss a peak shorter than the interval, so peak_tree_KiB is the larger of the
highest sampled sum and the largest single process (/usr/bin/time's %M, when it is installed),
which is never above the true peak of the sum. The command's own output
goes to stderr.
"""
import os
import subprocess
import sys
import tempfile
import time

TIME_BIN = "/usr/bin/time"


def session_rss_kib(sid, exclude=None):
    """(sum of VmRSS in KiB, set of pids) over the live processes of session SID but EXCLUDE."""
    total, pids = 0, set()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == exclude:
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as fh:
                stat = fh.read()
            # the fields after the command name, which is in parentheses and may hold spaces
            fields = stat[stat.rindex(b")") + 2:].split()
            if int(fields[3]) != sid:           # field 6 of stat: session id
                continue
            with open("/proc/%s/status" % name, "rb") as fh:
                for line in fh:
                    if line.startswith(b"VmRSS:"):
                        total += int(line.split()[1])
                        pids.add(int(name))
                        break
        except (OSError, ValueError, IndexError):
            continue                             # ended between listing and reading
    return total, pids


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    # /usr/bin/time starts the command: a process forked from this Python would keep Python's
    # memory in its ru_maxrss, /usr/bin/time's child does not. time itself is left out of the sum.
    have_time = os.access(TIME_BIN, os.X_OK)
    out = tempfile.NamedTemporaryFile(prefix="rsstree-", suffix=".txt", delete=False)
    out.close()
    argv = ["bash", "-c", sys.argv[1]]
    if have_time:
        argv = [TIME_BIN, "-f", "%M", "-o", out.name] + argv
    child = subprocess.Popen(argv, start_new_session=True, stdout=sys.stderr, stderr=sys.stderr)
    peak, seen, samples = 0, set(), 0
    while True:
        total, pids = session_rss_kib(child.pid, exclude=child.pid if have_time else None)
        samples += 1
        peak = max(peak, total)
        seen |= pids
        if child.poll() is not None:
            break
        time.sleep(0.005)
    largest = 0
    try:
        with open(out.name) as fh:
            largest = int(fh.read().split()[-1])
    except (OSError, ValueError, IndexError):
        pass                                     # no /usr/bin/time: the sampled sum alone
    os.unlink(out.name)
    print("peak_tree_KiB=%d largest_process_KiB=%d processes=%d samples=%d rc=%d"
          % (max(peak, largest), largest, len(seen), samples, child.returncode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
