#!/usr/bin/env python3
"""Times every SPF tool over the same case file, the same way (bench/spf_peers.sh runs this inside
its network namespace, with Knot on 127.0.0.1:53).

Usage: spf_measure.py BIN_DIR WORK_DIR REPEAT

Each tool runs as one process (or four, for "4 at a time"); its wall time is taken from outside
(process start to exit, so start-up counts for every tool alike) and its CPU time (user + system)
from the kernel's accounting of the children. Prints one line per tool and run:
  tool=NAME run=K evaluations=N wall_s=.. evals_per_s=.. cpu_s=.. cpu_us_per_eval=.. pass=.. ...
The tools' order rotates from run to run, so that none always goes first after Knot started.
"""
import os
import resource
import subprocess
import sys
import time

RESULTS = ["pass", "fail", "softfail", "neutral", "none", "permerror", "temperror"]


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(commands, outputs):
    """Runs the commands at once; returns (wall seconds, CPU seconds)."""
    cpu0 = children_cpu()
    start = time.monotonic()
    procs = []
    for command, output in zip(commands, outputs):
        with open(output, "w") as out:
            procs.append(subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT))
    for proc in procs:
        proc.wait()
    return time.monotonic() - start, children_cpu() - cpu0


def count_words(paths):
    """The one-word result lines of spfquery's batch output."""
    counts = dict.fromkeys(RESULTS, 0)
    for path in paths:
        with open(path, errors="replace") as f:
            for line in f:
                word = line.strip()
                if word in counts:
                    counts[word] += 1
    return counts


def count_mdo(path):
    counts = dict.fromkeys(RESULTS, 0)
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            if key.startswith("result_") and key[7:] in counts:
                counts[key[7:]] = int(value)
    return counts


def split(cases, parts, work):
    """Cases in `parts` contiguous pieces (a domain's cases stay together)."""
    with open(cases) as f:
        lines = f.readlines()
    size = (len(lines) + parts - 1) // parts
    paths = []
    for i in range(parts):
        path = os.path.join(work, "spf-cases-part%d.txt" % i)
        with open(path, "w") as f:
            f.writelines(lines[i * size:(i + 1) * size])
        paths.append(path)
    return paths


def main():
    bin_dir, work, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cases = os.path.join(work, "spf-cases.txt")
    short = os.path.join(work, "spf-cases-short.txt")  # Mail::SPF manages ~30-200 per second
    n = sum(1 for _ in open(cases))
    n_short = sum(1 for _ in open(short))
    quarters = split(cases, 4, work)
    mdo = os.path.join(bin_dir, "mdo-bench-spf")

    def mdo_tool(cache, threads, case_file):
        command = [mdo, "--server", "127.0.0.1:53", "--cases", case_file, "--cache", cache,
                   "--threads", str(threads)]
        return [command], lambda outs: count_mdo(outs[0])

    tools = {
        # Like for like: one evaluation after another in one process, as the peers' batch modes.
        "mdo-cache-on": (n, *mdo_tool("on", 1, cases)),
        "libspf2": (n, [["spfquery.libspf2", "-file", cases]], count_words),
        # Four at a time: our four threads over one resolver and cache (as the operator's
        # workers), against four libspf2 processes, each given a quarter of the cases.
        "mdo-cache-on-t4": (n, *mdo_tool("on", 4, cases)),
        "libspf2-x4": (n, [["spfquery.libspf2", "-file", q] for q in quarters], count_words),
        # No cache, like Mail::SPF: every question goes to the server.
        "mdo-cache-off": (n_short, *mdo_tool("off", 1, short)),
        "mail-spf-perl": (n_short, [["spfquery.mail-spf-perl", "--file", short]], count_words),
    }
    # One warm-up of each kind, discarded: Knot's first answers after a start are slower.
    run([["spfquery.libspf2", "-file", cases]], [os.path.join(work, "warmup.out")])
    names = list(tools)
    for k in range(1, repeat + 1):
        shift = (k - 1) % len(names)
        for name in names[shift:] + names[:shift]:
            evaluations, commands, counter = tools[name]
            outs = [os.path.join(work, "%s-%d.out" % (name, i)) for i in range(len(commands))]
            wall, cpu = run(commands, outs)
            counts = counter(outs)
            print("tool=%s run=%d evaluations=%d wall_s=%.4f evals_per_s=%.1f cpu_s=%.4f "
                  "cpu_us_per_eval=%.1f %s" % (
                      name, k, evaluations, wall, evaluations / wall, cpu,
                      cpu * 1e6 / evaluations,
                      " ".join("%s=%d" % (r, counts[r]) for r in RESULTS)), flush=True)


if __name__ == "__main__":
    main()
