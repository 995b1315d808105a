#!/usr/bin/env python3
"""Statistics and the markdown report for bench/run.sh.

    report.py summarize TIMINGS --set S --group initial --ref cp-a --files N [--bytes B] [--cases "A B"]
        TIMINGS holds one line per timed run: "ROUND CASE T0 T1 RSS_KIB RC" (T0/T1 are
        $EPOCHREALTIME stamps). Prints one RESULT line per case and, for every ferry-* case,
        one PAIR line per other tool of the group (median of the per-round time ratios).

    report.py markdown RESULTS_TXT OUT_MD [--notes-from OLD_MD] [--smoke] [--suites "local sftp"]
        Turns the results file into OUT_MD: machine, tool versions, one table per set and
        group, ferry-versus-peer ratios, the targets with PASS/MISS, the checks, and the hand
        written notes kept from OLD_MD (the text between <!-- notes --> and <!-- /notes -->).
        The SFTP cases (sets sftp-*) get a section of their own, between <!-- sftp --> and
        <!-- /sftp -->; a suite that did not run keeps its part of OLD_MD unchanged, so a run
        of only the SFTP cases replaces (or appends) that section and nothing else.
"""
import argparse
import re
import statistics
import sys
from collections import OrderedDict, defaultdict

NOTES_OPEN, NOTES_CLOSE = "<!-- notes -->", "<!-- /notes -->"
SFTP_OPEN, SFTP_CLOSE = "<!-- sftp -->", "<!-- /sftp -->"
LIMITS_HEADING = "## What limits Ferry"
NOTES_PLACEHOLDER = ("_Not written yet: after a full run, say here where Ferry's time goes "
                     "(scan, state database, copy, fsync) and what bounds each figure._")


# ---------------------------------------------------------------- summarize
def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def summarize(a):
    runs = defaultdict(dict)            # case -> round -> (seconds, rss_kib, rc)
    steal = defaultdict(dict)           # case -> round -> ms of CPU stolen by the host (newer runs)
    order = []
    with open(a.timings) as fh:
        for line in fh:
            parts = line.split()
            if len(parts) not in (6, 7):    # the 7th, CPU time stolen by the host (ms), is read below
                continue
            rnd, case, t0, t1, rss, rc = parts[:6]
            if case not in runs:
                order.append(case)
            rss_kib = int(rss) if rss.lstrip("-").isdigit() else -1
            runs[case][int(rnd)] = (float(t1) - float(t0), rss_kib, int(rc))
            if len(parts) == 7 and parts[6].lstrip("-").isdigit():
                steal[case][int(rnd)] = int(parts[6])
    if a.cases:
        order = [c for c in a.cases.split() if c in runs] + [c for c in order if c not in a.cases.split()]
    ref = runs.get(a.ref, {})
    # case -> round -> time / the reference's time in the same round
    to_ref = {case: {r: t / ref[r][0] for r, (t, _, _) in rounds.items() if r in ref and ref[r][0] > 0}
              for case, rounds in runs.items()}
    for case in order:
        rounds = runs[case]
        times = [v[0] for v in rounds.values()]
        med = statistics.median(times)
        per_round = list(to_ref[case].values())
        rsses = [v[1] for v in rounds.values() if v[1] >= 0]
        bad_rc = [v[2] for v in rounds.values() if v[2] != 0]
        files = a.files if a.files > 0 else None
        mb = a.bytes / 1e6 if a.bytes > 0 else None
        print("RESULT set=%s group=%s case=%s runs=%d median_s=%.3f min_s=%.3f max_s=%.3f ratio=%s ref=%s "
              "files=%s files_per_s=%s MB=%s MB_per_s=%s maxrss_MB=%s rc=%d"
              % (a.set, a.group, case, len(times), med, min(times), max(times),
                 fmt(statistics.median(per_round) if per_round else None, ".2f"), a.ref,
                 fmt(files, "d"), fmt(files / med if files and med > 0 else None, ".0f"),
                 fmt(mb, ".1f"), fmt(mb / med if mb and med > 0 else None, ".0f"),
                 fmt(max(rsses) / 1024 if rsses else None, ".1f"), bad_rc[-1] if bad_rc else 0))
    for case in order:
        rounds = sorted(runs[case])
        ref_s = ["%.2f" % to_ref[case][r] if r in to_ref[case] else "-" for r in rounds]
        print("ROUNDS set=%s group=%s case=%s r=%s s=%s ratio=%s steal_ms=%s"
              % (a.set, a.group, case, ",".join(str(r) for r in rounds),
                 ",".join("%.3f" % runs[case][r][0] for r in rounds), ",".join(ref_s),
                 ",".join(str(steal[case].get(r, "-")) for r in rounds)))
    for case in order:
        if not case.startswith("ferry-"):
            continue
        for peer in order:
            if peer == a.ref or peer.startswith("ferry-"):
                continue
            q = [t / runs[peer][r][0] for r, (t, _, _) in runs[case].items()
                 if r in runs[peer] and runs[peer][r][0] > 0]
            if q:
                print("PAIR set=%s group=%s case=%s peer=%s ratio=%.2f rounds=%d"
                      % (a.set, a.group, case, peer, statistics.median(q), len(q)))


# ---------------------------------------------------------------- markdown
KV = re.compile(r"(\w+)=(\S*)")


def kv(line):
    return dict(KV.findall(line))


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


SET_FIELD = re.compile(r"\bset=(\S+)")


def sftp_line(line):
    """Whether a results line belongs to the SFTP cases: their sets (sftp-*), CIPHER lines,
    ENV sftp_* and NOTE sftp: lines. ENV lines without the prefix belong to both suites."""
    tag = line.split(" ", 1)[0]
    if tag == "CIPHER":
        return True
    if tag == "NOTE":
        return line.startswith("NOTE sftp:")
    if tag == "ENV":
        parts = line.split(" ", 2)
        return len(parts) > 1 and parts[1].startswith("sftp_")
    m = SET_FIELD.search(line)
    return bool(m and m.group(1).startswith("sftp-"))


def shared_line(line):
    return line.startswith("ENV ") and not sftp_line(line)


class Results:
    def __init__(self, path, want=None):
        self.env = OrderedDict()
        self.data = OrderedDict()     # set -> DATA/SCALE fields
        self.results = OrderedDict()  # (set, group) -> OrderedDict(case -> fields)
        self.pairs = defaultdict(OrderedDict)  # (set, group) -> case -> peer -> ratio
        self.checks = defaultdict(list)        # (set, group, case) -> [fields]
        self.cmds, self.notes, self.raw, self.changes = [], [], [], []
        self.reconcile = None
        self.rsstree = OrderedDict()  # set -> OrderedDict(case -> fields)
        self.rounds = OrderedDict()   # (set, group) -> OrderedDict(case -> fields)
        self.ciphers = []             # CIPHER lines' fields
        with open(path) as fh:
            for line in fh:
                line = line.rstrip("\n")
                if want and not want(line):
                    continue
                tag = line.split(" ", 1)[0]
                if tag == "CIPHER":
                    self.ciphers.append(kv(line))
                elif tag == "ENV":
                    _, key, value = (line.split(" ", 2) + [""])[:3]
                    self.env[key] = value
                elif tag in ("DATA", "SCALE"):
                    f = kv(line)
                    self.data[f.get("set", "")] = f
                elif tag == "RESULT":
                    f = kv(line)
                    self.results.setdefault((f["set"], f["group"]), OrderedDict())[f["case"]] = f
                    self.raw.append(line)
                elif tag == "PAIR":
                    f = kv(line)
                    self.pairs[(f["set"], f["group"])].setdefault(f["case"], OrderedDict())[f["peer"]] = f["ratio"]
                    self.raw.append(line)
                elif tag == "CHECK":
                    f = kv(line)
                    self.checks[(f["set"], f["group"], f["case"])].append(f)
                elif tag == "CMD":
                    self.cmds.append(line)
                elif tag == "NOTE":
                    self.notes.append(line[5:][len("sftp: "):] if line.startswith("NOTE sftp: ") else line[5:])
                elif tag == "CHANGE":
                    self.changes.append(line)
                elif tag == "RECONCILE":
                    self.reconcile = kv(line)
                    self.raw.append(line)
                elif tag == "ROUNDS":
                    f = kv(line)
                    self.rounds.setdefault((f["set"], f["group"]), OrderedDict())[f["case"]] = f
                elif tag == "RSSTREE":
                    f = kv(line)
                    self.rsstree.setdefault(f["set"], OrderedDict())[f["case"]] = f
                    self.raw.append(line)

    def get(self, set_, group, case, field):
        return num(self.results.get((set_, group), {}).get(case, {}).get(field))

    def check_failures(self):
        return [c for lst in self.checks.values() for c in lst if c.get("result") != "ok"]


def group_table(res, set_, group):
    rows = res.results[(set_, group)]
    ref = next(iter(rows.values()))["ref"]
    out = ["| case | runs | median s (min–max) | × %s | files/s | MB/s | peak RSS MB | rc | check |" % ref,
           "|---|---:|---|---:|---:|---:|---:|---:|---|"]
    for case, f in rows.items():
        checks = res.checks.get((set_, group, case), [])
        bad = [c for c in checks if c.get("result") != "ok"]
        check = "–" if not checks else ("ok" if not bad else "**%d of %d failed**" % (len(bad), len(checks)))
        name = "**%s**" % case if case.startswith("ferry-") else case
        out.append("| %s | %s | %s (%s–%s) | %s | %s | %s | %s | %s | %s |" % (
            name, f["runs"], f["median_s"], f["min_s"], f["max_s"], f["ratio"], f["files_per_s"],
            f["MB_per_s"], f["maxrss_MB"], f["rc"], check))
    pairs = res.pairs.get((set_, group))
    if pairs:
        peers = []
        for per_case in pairs.values():
            peers += [p for p in per_case if p not in peers]
        out += ["", "Ferry's time divided by each peer's, same round (median over rounds; below 1 = Ferry faster):", "",
                "| | " + " | ".join("/ %s" % p for p in peers) + " |",
                "|---|" + "---:|" * len(peers)]
        for case, per_case in pairs.items():
            out.append("| **%s** | " % case + " | ".join(per_case.get(p, "–") for p in peers) + " |")
    return out


def target_lines(res, smoke):
    lines = []

    def verdict(values, ok):
        if not values or any(v is None for v in values):
            return "not measured"
        return "PASS" if all(ok(v) for v in values) else "MISS"

    def add(label, values, ok, shown):
        v = verdict(values, ok)
        if v == "not measured":
            shown = "not measured"
        lines.append("- **%s** — %s: %s" % (v, label, shown))

    # re-runs of M against find over both trees
    def r2(x):
        return fmt(x, ".2f")
    tw = res.get("M", "nochange", "ferry-twoway", "ratio")
    mi = res.get("M", "nochange", "ferry-mirror", "ratio")
    add("no-change two-way re-run of 100,000 files (M), target ≤ 1.2 × find-both", [tw], lambda v: v <= 1.2,
        "%s × find-both (%s s)%s" % (r2(tw), fmt(res.get("M", "nochange", "ferry-twoway", "median_s"), ".3f"),
                                      "; mirror, not a target: %s ×" % r2(mi) if mi is not None else ""))
    tw = res.get("M", "change", "ferry-twoway", "ratio")
    mi = res.get("M", "change", "ferry-mirror", "ratio")
    add("re-run after the change set (M), two-way and mirror, target ≤ 1.5 × find-both", [tw, mi],
        lambda v: v <= 1.5, "two-way %s ×, mirror %s × find-both" % (r2(tw), r2(mi)))
    # Ferry's copies are on the disk when a run ends (cp -a leaves them in the page cache):
    # the line also gives the ratio to cp -a followed by sync -f, measured in the same rounds.
    def durable(set_, case):
        return r2(num(res.pairs.get((set_, "initial"), {}).get(case, {}).get("cp-a-sync")))
    for set_, limit in (("M", 1.15), ("S", 1.2)):
        tw = res.get(set_, "initial", "ferry-twoway", "ratio")
        mi = res.get(set_, "initial", "ferry-mirror", "ratio")
        add("initial copy %s, two-way and mirror, target ≤ %s × cp -a" % (set_, limit), [tw, mi],
            lambda v, lim=limit: v <= lim,
            "two-way %s ×, mirror %s × cp -a (× cp -a + sync: two-way %s, mirror %s)"
            % (r2(tw), r2(mi), durable(set_, "ferry-twoway"), durable(set_, "ferry-mirror")))
    # large files: throughput share of cp -a = 1 / time ratio
    shares = []
    for case in ("ferry-twoway", "ferry-mirror"):
        r = res.get("L", "initial", case, "ratio")
        shares.append(100.0 / r if r else None)
    cp = res.get("L", "initial", "cp-a", "MB_per_s")
    add("large files (L), target ≥ 90 % of cp -a throughput", shares, lambda v: v >= 90.0,
        "two-way %s %%, mirror %s %% of cp -a (%s MB/s; two-way %s MB/s, mirror %s MB/s)"
        % (fmt(shares[0], ".0f"), fmt(shares[1], ".0f"), fmt(cp, ".0f"),
           fmt(res.get("L", "initial", "ferry-twoway", "MB_per_s"), ".0f"),
           fmt(res.get("L", "initial", "ferry-mirror", "MB_per_s"), ".0f")))

    def tree_peaks(set_):
        vals = [num(f.get("peak_tree_MB")) for c, f in res.rsstree.get(set_, {}).items() if c.startswith("ferry-")]
        return [v for v in vals if v is not None]

    def peak(set_):
        vals = [num(f.get("maxrss_MB")) for (s, _g), rows in res.results.items() if s == set_
                for c, f in rows.items() if c.startswith("ferry-")]
        vals = [v for v in vals if v is not None] + tree_peaks(set_)
        return max(vals) if vals else None
    p = peak("M")
    tree = tree_peaks("M")
    add("peak RSS for 100,000 files (M, every Ferry run and its whole process tree), target < 60 MB", [p],
        lambda v: v < 60, "%s MB%s" % (fmt(p, ".1f"), "; whole process tree, no-change run: %s MB" %
                                       fmt(max(tree), ".1f") if tree else ""))
    p = peak("scale-1M")
    add("peak RSS for 1,000,000 entries (ferry-twoway, initial and no-change), target < 300 MB", [p],
        lambda v: v < 300, "%s MB (250,000 entries: %s MB)" % (fmt(p, ".1f"), fmt(peak("scale-250k"), ".1f")))
    rc = res.reconcile or {}
    label = "reconciler alone on 1,000,000 entries (build/bench/reconcile_bench), target < 1 s"
    shown = "%s s for %s entries, peak RSS %s MB" % (rc.get("seconds"), rc.get("entries"), rc.get("maxrss_MB", "-"))
    if rc and num(rc.get("entries")) != 1_000_000:
        lines.append("- **not measured** — %s: only run on %s entries (%s)" % (label, rc.get("entries"), shown))
    else:
        add(label, [num(rc.get("seconds"))], lambda v: v < 1.0, shown)
    if smoke:
        lines.insert(0, "_Smoke run: the sets are tiny, so these verdicts only show that the report works._\n")
    return lines


def read_notes(path):
    if not path:
        return None
    try:
        text = open(path).read()
    except OSError:
        return None
    a, b = text.find(NOTES_OPEN), text.find(NOTES_CLOSE)
    if a < 0 or b < a:
        return None
    return text[a + len(NOTES_OPEN):b].strip("\n")


def results_tables(res, level=3):
    """One table per set and group, then the peak-RSS-of-the-tree tables, the change sets and
    every round (folded). LEVEL: the heading level of a set."""
    h = "#" * level
    out = []
    current = None
    for (set_, group) in res.results:
        if set_ != current:
            current = set_
            d = res.data.get(set_, {})
            desc = ", ".join(x for x in (
                "%s files" % format(int(d["files"]), ",") if d.get("files") else "",
                "%.1f MB" % (int(d["bytes"]) / 1e6) if d.get("bytes") else "",
                "%s directories" % format(int(d["dirs"]), ",") if d.get("dirs") else "") if x)
            out += ["%s Set %s%s" % (h, set_, " (%s)" % desc if desc else ""), ""]
        out += ["%s# %s" % (h, group), ""] + group_table(res, set_, group) + [""]
    for set_, rows in res.rsstree.items():
        out += [h + " Peak RSS of the whole process tree, set %s" % set_, "",
                "One more no-change run of each tool, untimed, under `bench/rsstree.py`: the resident sets of "
                "every process the command started, added up every 5 ms (never below its largest process), "
                "next to the largest single process (`/usr/bin/time %M`).", "",
                "| case | peak RSS, whole tree MB | largest process MB | processes | samples | rc |",
                "|---|---:|---:|---:|---:|---:|"]
        for case, f in rows.items():
            name = "**%s**" % case if case.startswith("ferry-") else case
            out.append("| %s | %s | %s | %s | %s | %s |" % (name, f.get("peak_tree_MB", "-"),
                       f.get("largest_process_MB", "-"), f.get("processes", "-"), f.get("samples", "-"), f.get("rc", "-")))
        out.append("")
    if res.changes:
        out += ["Change sets applied to the source, one per round of the `change` group:", ""]
        out += ["    " + c for c in res.changes] + [""]
    if res.rounds:
        out += ["<details><summary>Every round: wall time s, × the reference in the same round, and the CPU "
                "time the host took from this VM during the run (steal, ms over all cores)</summary>", ""]
        for (set_, group), rows in res.rounds.items():
            per_case = OrderedDict()        # case -> round -> cell
            for case, f in rows.items():
                s, q, st = (f.get(k, "").split(",") for k in ("s", "ratio", "steal_ms"))
                # r= names the rounds; older lines without it list rounds 0, 1, … in order
                rnds = f["r"].split(",") if f.get("r") else [str(i) for i in range(len(s))]
                per_case[case] = {int(r): "%s (× %s, %s)" % (s[i], q[i] if i < len(q) else "-",
                                                            st[i] if i < len(st) else "-")
                                  for i, r in enumerate(rnds) if i < len(s)}
            cols = sorted({r for cells in per_case.values() for r in cells})
            out += ["Set %s, %s:" % (set_, group), "", "| case | " + " | ".join("round %d" % r for r in cols) + " |",
                    "|---|" + "---|" * len(cols)]
            for case, cells in per_case.items():
                name = "**%s**" % case if case.startswith("ferry-") else case
                out.append("| %s | " % name + " | ".join(cells.get(r, "–") for r in cols) + " |")
            out.append("")
        out += ["</details>", ""]
    return out


def checks_lines(res):
    fails = res.check_failures()
    total = sum(len(v) for v in res.checks.values())
    out = []
    if fails:
        out.append("**%d of %d checks failed** (destination differs from the source after the run):" % (len(fails), total))
        out += [""] + ["- set %s, %s, %s, round %s: tree=%s meta=%s src=%s" % (
            f.get("set"), f.get("group"), f.get("case"), f.get("round"), f.get("tree"), f.get("meta"), f.get("src"))
            for f in fails]
    else:
        out.append("All %d checks passed: after every timed run that should leave the destination equal to the "
                   "source, `diff -rq` found no difference, names, sizes and file mtimes matched, and the "
                   "source was untouched." % total)
    return out


def raw_details(res):
    return ["<details><summary>Commands</summary>", "", "```"] + res.cmds + ["```", "", "</details>", "",
            "<details><summary>RESULT, PAIR, RSSTREE and RECONCILE lines</summary>", "", "```"] + res.raw + \
           ["```", "", "</details>", ""]


def local_part(res, a):
    """The report of the local cases: everything before the SFTP section and the notes."""
    env = res.env
    out = ["# Ferry benchmark results", ""]
    if a.smoke:
        out += ["**SMOKE RUN** (tiny data, one round): checks that the harness works; the figures mean nothing.", ""]
    elif env.get("partial"):
        out += ["**Partial run** (%s): only what it measured is reported; `bash bench/run.sh` with the "
                "default knobs gives the full picture." % env["partial"], ""]
    out += ["Written by `bench/run.sh` (see `bench/README.md` for the method); do not edit by hand except "
            "between the notes markers at the end. Raw lines: `%s`." % env.get("results_file", "results.txt"), "",
            "## Machine", ""]
    for key, label in (("date", "date"), ("cpu", "CPU"), ("nproc", "cores (nproc)"), ("memory", "memory"),
                       ("kernel", "kernel"), ("work_fs", "filesystem of WORK"), ("knobs", "run settings")):
        if key in env:
            out.append("- %s: %s" % (label, env[key]))
    out += ["", "## Tools", ""]
    for key in ("ferry", "ferry_build", "rsync", "unison", "rclone", "cp", "python"):
        if key in env:
            out.append("- %s: %s" % (key, env[key]))
    for n in res.notes:
        out.append("- note: %s" % n)
    out += ["", "## Results", "",
            "Median wall time over interleaved rounds; `×` = median of the per-round ratios to the group's "
            "reference row (the floor: `find` for scans, `cp -a` for copies). Peak RSS = largest single "
            "process (`/usr/bin/time %M`), highest of the rounds; the sum over each tool's whole process "
            "tree is measured for set M in a table of its own. files/s counts the files of one side.", ""]
    out += results_tables(res)
    out += ["## Targets", ""] + target_lines(res, a.smoke) + [""]
    out += ["## Checks", ""] + checks_lines(res) + [""]
    out += raw_details(res)
    return out


def sftp_target_lines(res, smoke):
    """The targets of issue 15 (SFTP endpoint), each with the figure measured in this run."""
    lines = []
    why_not = ""
    ferry_env = res.env.get("sftp_ferry", "")
    if ferry_env.startswith("not available"):
        why_not = " (Ferry's SFTP slot is not available in this build)"

    def failed(where):
        """What went wrong in Ferry's runs of (set, group, case)...: non-zero exits, failed checks."""
        bad = []
        for set_, group, case in where:
            f = res.results.get((set_, group), {}).get(case)
            if f and f.get("rc") not in (None, "0"):
                bad.append("%s %s exited %s" % (group, case, f["rc"]))
            n = sum(1 for c in res.checks.get((set_, group, case), []) if c.get("result") != "ok")
            if n:
                bad.append("%s %s: %d check(s) failed" % (group, case, n))
        return bad

    def add(label, values, ok, shown, where=()):
        bad = failed(where)
        if bad:
            lines.append("- **MISS** — %s: Ferry's runs failed (%s)" % (label, "; ".join(bad)))
        elif not values or any(v is None for v in values):
            lines.append("- **not measured** — %s%s" % (label, why_not))
        else:
            lines.append("- **%s** — %s: %s" % ("PASS" if all(ok(v) for v in values) else "MISS", label, shown))

    def pair(set_, group, case, peer):
        return num(res.pairs.get((set_, group), {}).get(case, {}).get(peer))

    def mbs(set_, group, case):
        return res.get(set_, group, case, "MB_per_s")

    def files_of(set_):
        n = num(res.data.get(set_, {}).get("files"))
        return format(int(n), ",") if n else "?"
    names = {"chacha": "chacha20-poly1305", "gcm": "aes128-gcm"}
    L, S = "sftp-L", "sftp-S"
    for direction, word, pipe in (("put", "up", "pipe-up"), ("get", "down", "pipe-down")):
        for c in ("chacha", "gcm"):
            g = "%s-%s" % (direction, c)
            r = res.get(L, g, "ferry-mirror", "ratio")
            share = 100.0 / r if r else None
            add("large files %s (%s), %s, target ≥ 80 %% of the raw ssh pipe with the same cipher"
                % (word, L, names[c]), [share], lambda v: v >= 80.0,
                "%s %% (Ferry %s MB/s, pipe %s MB/s; median of the per-round ratios)"
                % (fmt(share, ".0f"), fmt(mbs(L, g, "ferry-mirror"), ".0f"), fmt(mbs(L, g, pipe), ".0f")),
                [(L, g, "ferry-mirror")])
    for c in ("chacha", "gcm"):
        g = "put-%s" % c
        q = pair(S, g, "ferry-mirror", "rsync")
        add("%s small files up (%s), %s, target faster than rsync -e ssh" % (files_of(S), S, names[c]), [q],
            lambda v: v < 1.0, "%s × rsync's time (Ferry %s s, rsync %s s)"
            % (fmt(q, ".2f"), fmt(res.get(S, g, "ferry-mirror", "median_s"), ".3f"),
               fmt(res.get(S, g, "rsync", "median_s"), ".3f")), [(S, g, "ferry-mirror")])
    q = pair(S, "nochange", "ferry-twoway", "rsync")
    add("no-change two-way re-run of %s files (%s), target ≤ 0.8 × rsync -e ssh" % (files_of(S), S), [q],
        lambda v: v <= 0.8, "%s × rsync's time (Ferry %s s, rsync %s s)"
        % (fmt(q, ".2f"), fmt(res.get(S, "nochange", "ferry-twoway", "median_s"), ".3f"),
           fmt(res.get(S, "nochange", "rsync", "median_s"), ".3f")),
        [(S, "put-chacha", "ferry-twoway"), (S, "nochange", "ferry-twoway")])
    for set_ in (S, L):
        rows = [(g, c, num(f.get("maxrss_MB"))) for (s_, g), cases in res.results.items() if s_ == set_
                for c, f in cases.items() if c.startswith("ferry-") and c != "ferry-local"]
        rows = [x for x in rows if x[2] is not None]
        local = res.get(set_, "put-chacha", "ferry-local", "maxrss_MB")
        top = max(rows, key=lambda x: x[2]) if rows else None
        q = top[2] / local if top and local else None
        add("peak memory over SFTP (%s, every Ferry run), target ≤ 1.5 × Ferry's local run of the same data"
            % set_, [q], lambda v: v <= 1.5,
            "%s × (%s MB in %s %s; local ferry-cli %s MB, same rounds)"
            % (fmt(q, ".2f"), fmt(top[2] if top else None, ".1f"), top[1] if top else "-",
               top[0] if top else "-", fmt(local, ".1f")),
            [(s_, g, c) for (s_, g), cases in res.results.items() if s_ == set_ for c in cases if c.startswith("ferry-")])
    if smoke:
        lines.insert(0, "_Smoke run: the sets are tiny, so these verdicts only show that the report works._\n")
    return lines


def sftp_part(res, a):
    """The SFTP section: its own machine and tool lines, tables, targets, checks, commands."""
    env = res.env
    out = [SFTP_OPEN, "## Over SFTP: a private OpenSSH server on 127.0.0.1", ""]
    if a.smoke:
        out += ["**SMOKE RUN** (tiny data, one round): checks that the harness works; the figures mean nothing.", ""]
    elif env.get("sftp_partial"):
        out += ["**Partial run** (%s): only what it measured is reported." % env["sftp_partial"], ""]
    out += ["Written by `bench/run.sh` (`SUITES=sftp bash bench/run.sh` reruns only this section; the method "
            "is in `bench/README.md`). Client and server run on the same cores and the \"remote\" folders are "
            "on the same file system: this measures the protocol and the crypto, not a network. The cipher "
            "of every case comes from its Host alias in the bench's `~/.ssh/config` (rclone cannot choose "
            "one and negotiates aes128-gcm); sshd's log shows what each case negotiated.", ""]
    for key, label in (("date", "date"), ("cpu", "CPU"), ("nproc", "cores (nproc)"), ("kernel", "kernel"),
                       ("work_fs", "filesystem of WORK"), ("knobs", "run settings"), ("sftp_server", "server"),
                       ("sftp_openssh", "OpenSSH"), ("sftp_env", "client set-up"), ("ferry", "ferry"),
                       ("ferry_build", "ferry build"), ("sftp_ferry", "Ferry's SFTP slot"), ("rsync", "rsync"),
                       ("unison", "unison"), ("rclone", "rclone"), ("sftp_connections", "SSH connections")):
        if key in env:
            out.append("- %s: %s" % (label, env[key]))
    for n in res.notes:
        out.append("- note: %s" % n)
    if res.ciphers:
        out += ["", "Negotiated ciphers (from sshd's log; the number is how many connections the command "
                "opened):", "", "| set | group | case | connections by cipher |", "|---|---|---|---|"]
        for f in res.ciphers:
            name = "**%s**" % f.get("case") if f.get("case", "").startswith("ferry") else f.get("case")
            out.append("| %s | %s | %s | %s |" % (f.get("set"), f.get("group"), name,
                                                  f.get("connections", "-").replace(",", ", ")))
    out += ["", "### SFTP results", "",
            "Median wall time over interleaved rounds; `×` = median of the per-round ratios to the group's "
            "reference row (the raw ssh pipe of the group's cipher for large files, `cp -a` for the first "
            "copy of small files, `find` over both trees for the no-change re-run). Peak RSS = largest "
            "single process of the command (`/usr/bin/time %M`: the ssh client counts, sshd does not; "
            "ferry-cli is one process), highest of the rounds. `ferry-local` is ferry-cli to a local "
            "folder in the same rounds: the reference of the memory target.", ""]
    out += results_tables(res, level=4)
    out += ["### SFTP targets (issue 15)", ""] + sftp_target_lines(res, a.smoke) + [""]
    out += ["### SFTP checks", ""] + checks_lines(res) + [""]
    out += raw_details(res)
    out += [SFTP_CLOSE, ""]
    return out


def split_old(text):
    """An earlier report cut into (local part, SFTP section) as lists of lines."""
    if text is None:
        return None, None
    sftp = None
    a, b = text.find(SFTP_OPEN), text.find(SFTP_CLOSE)
    if a >= 0 and b > a:
        sftp = text[a:b + len(SFTP_CLOSE)].split("\n") + [""]
        text = text[:a] + text[b + len(SFTP_CLOSE):]
    cut = text.find(LIMITS_HEADING)
    local = text[:cut] if cut >= 0 else text
    return local.rstrip("\n").split("\n") + [""], sftp


def markdown(a):
    suites = a.suites.split()
    old_text = None
    if a.notes_from:
        try:
            old_text = open(a.notes_from).read()
        except OSError:
            old_text = None
    old_local, old_sftp = split_old(old_text)
    out = []
    if "local" in suites:
        out += local_part(Results(a.results, lambda line: not sftp_line(line)), a)
    elif old_local:
        out += old_local
    else:
        out += ["# Ferry benchmark results", "", "_The local cases have not been run into this file yet "
                "(`SUITES=local bash bench/run.sh`)._", ""]
    if "sftp" in suites:
        out += sftp_part(Results(a.results, lambda line: sftp_line(line) or shared_line(line)), a)
    elif old_sftp:
        out += old_sftp
    out += [LIMITS_HEADING, "", NOTES_OPEN]
    notes = read_notes(a.notes_from)
    out += [notes if notes else NOTES_PLACEHOLDER, NOTES_CLOSE, ""]
    with open(a.out, "w") as fh:
        fh.write("\n".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("summarize")
    p.add_argument("timings")
    p.add_argument("--set", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--ref", required=True)
    p.add_argument("--files", type=int, default=0)
    p.add_argument("--bytes", type=int, default=0)
    p.add_argument("--cases", default="", help="print the cases in this order")
    p = sub.add_parser("markdown")
    p.add_argument("results")
    p.add_argument("out")
    p.add_argument("--notes-from")
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--suites", default="local sftp", help="the suites this results file has (local, sftp)")
    a = ap.parse_args()
    (summarize if a.cmd == "summarize" else markdown)(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
