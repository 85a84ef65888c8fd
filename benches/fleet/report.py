"""The fleet benchmark's table (benches/fleet/run.sh): one markdown table for
one host count, from hyperfine's JSON exports (wall time), runs-N.tsv (one
line per measured run, written by mark.sh) and the sshd session lines of the
hosts over the whole benchmark.

    python3 report.py HOSTS RUNS first.json nochange.json runs.tsv sessions.txt
"""

import bisect
import json
import statistics
import sys
from datetime import datetime

# hyperfine's name of the floor; mark.sh's is the script's.
FLOOR = "ssh true (floor)"
# run.sh gives hyperfine one warm-up run per command of the no-change series.
WARMUPS = {"first": 0, "nochange": 1}


def hyperfine_medians(path):
    """{command name: median wall time in s}."""
    with open(path) as f:
        return {r["command"]: r["median"] for r in json.load(f)["results"]}


def measured_runs(path):
    """[(tool, phase, start, fields)] in the order they ran."""
    runs = []
    with open(path) as f:
        for line in f:
            tool, phase, start, _end, cpu, mem, rss, target = line.rstrip("\n").split("\t")
            tool = FLOOR if tool == "floor" else tool
            runs.append((tool, phase, float(start), {"cpu": cpu, "mem": mem, "rss": rss, "target": target}))
    return runs


def session_times(path):
    """{host: [epoch seconds of each "Starting session:" line]}, from
    `docker logs -t` lines prefixed with the host name."""
    times = {}
    with open(path) as f:
        for line in f:
            parts = line.split(" ", 2)
            if len(parts) < 3:
                continue
            host, stamp = parts[0], parts[1]
            # RFC 3339 with nanoseconds: keep microseconds for fromisoformat.
            day, _, frac = stamp.rstrip("Z").partition(".")
            when = datetime.fromisoformat(f"{day}.{(frac + '000000')[:6]}+00:00")
            times.setdefault(host, []).append(when.timestamp())
    return times


def commands_per_run(runs, sessions, hosts):
    """For each run (by index), the number of sessions each host saw: a
    session belongs to the run that started last before it."""
    starts = [start for _tool, _phase, start, _ in runs]
    counts = [dict.fromkeys(hosts, 0) for _ in runs]
    for host, times in sessions.items():
        for t in times:
            i = bisect.bisect_right(starts, t) - 1
            if i >= 0 and host in counts[i]:
                counts[i][host] += 1
    return counts


def number(text):
    return None if text in ("", "—") else float(text)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def worst(values):
    values = [v for v in values if v is not None]
    return max(values) if values else None


def fmt(value, unit, digits):
    return "—" if value is None else f"{value:.{digits}f} {unit}".rstrip()


def main(argv):
    n, runs_wanted = int(argv[1]), int(argv[2])
    wall = {"first": hyperfine_medians(argv[3]), "nochange": hyperfine_medians(argv[4])}
    runs = measured_runs(argv[5])
    hosts = [f"infrac-host-{i}" for i in range(1, n + 1)]
    counts = commands_per_run(runs, session_times(argv[6]), hosts)

    # Per tool and phase: the indexes of its measured runs, warm-ups dropped.
    index = {}
    for i, (tool, phase, _start, _fields) in enumerate(runs):
        index.setdefault((tool, phase), []).append(i)
    for key, ids in index.items():
        index[key] = ids[WARMUPS[key[1]] :]
        if len(index[key]) != runs_wanted:
            print(f"warning: {key[0]}, {key[1]}: {len(index[key])} measured runs, not {runs_wanted}", file=sys.stderr)

    def values(tool, phase, field):
        return [number(runs[i][3][field]) for i in index.get((tool, phase), [])]

    def per_host(tool, phase, field):
        m = median(values(tool, phase, field))
        return None if m is None else m / n / 1e9

    def worst_of_all(tool, field):
        """The largest value over the first and no-change runs (memory)."""
        return worst(values(tool, "first", field) + values(tool, "nochange", field))

    def commands(tool, phase):
        return median([c for i in index.get((tool, phase), []) for c in counts[i].values()])

    names = list(wall["nochange"])
    base = {phase: wall[phase].get("infrac") for phase in wall}
    print(
        f"| {n} hosts ({runs_wanted} runs) | first run | no-change run | commands per host, first | no change "
        "| controller CPU per host, first | no change | target CPU per host, first | no change "
        "| peak RSS, largest process | with its ssh processes (cgroup) |"
    )
    print("| --- " * 11 + "|")
    for name in names:
        cells = []
        for phase in ("first", "nochange"):
            t = wall[phase].get(name)
            ratio = f" ({t / base[phase]:.1f}x)" if t is not None and base[phase] else ""
            cells.append("—" if t is None else f"{t:.2f} s{ratio}")
        for phase in ("first", "nochange"):
            c = commands(name, phase)
            cells.append("—" if c is None else f"{c:g}")
        for field in ("cpu", "target"):
            for phase in ("first", "nochange"):
                cells.append(fmt(per_host(name, phase, field), "s", 3))
        rss, mem = worst_of_all(name, "rss"), worst_of_all(name, "mem")
        cells.append(fmt(None if rss is None else rss / 1024, "MB", 1))
        cells.append(fmt(None if mem is None else mem / 2**20, "MB", 1))
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv)
