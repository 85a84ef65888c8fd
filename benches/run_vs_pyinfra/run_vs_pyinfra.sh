#!/bin/sh
# infrac run vs pyinfra on the local machine (run by hand, as root or a user
# who may apt-get/pip install):
#
#   sh benches/run_vs_pyinfra/run_vs_pyinfra.sh [RUNS]
#   INFRAC=target/release/infrac sh benches/run_vs_pyinfra/run_vs_pyinfra.sh
#
# 1. examples/quickstart.infra vs quickstart_deploy.py (its pyinfra
#    equivalent), first run (fresh root each time) and no-change run;
# 2. per-op overhead: 50 `files.file` ops minus 0 ops, divided by 50.
# RUNS runs of each (default 10) by hyperfine; prints a Markdown table of
# the medians (hyperfine's JSON exports are kept in $OUT, default
# /tmp/infrac-bench).
set -eu

RUNS=${1:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-/tmp/infrac-bench}
mkdir -p "$OUT"

command -v hyperfine >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq hyperfine; }
if [ ! -x "$OUT/venv/bin/pyinfra" ]; then
  python3 -m venv "$OUT/venv"
  "$OUT/venv/bin/pip" install -q pyinfra
fi
PYINFRA="$OUT/venv/bin/pyinfra"
# INFRAC=/path/to/infrac uses a binary built elsewhere (release profile!).
if [ -z "${INFRAC:-}" ]; then
  (cd "$REPO" && cargo build --release -q -p infrac)
  INFRAC="$REPO/target/release/infrac"
fi

echo "infrac: $("$INFRAC" --version)   pyinfra: $("$PYINFRA" --version 2>&1 | tail -n 1)"

# --- 1. quickstart ---------------------------------------------------------
QI="$OUT/qs-infrac" QP="$OUT/qs-pyinfra"
infrac_qs="$INFRAC run --yes $REPO/examples/quickstart.infra --set root=$QI --format json"
pyinfra_qs="cd $HERE && $PYINFRA -y @local quickstart_deploy.py --data root=$QP"
hyperfine --runs "$RUNS" --export-json "$OUT/quickstart-first.json" \
  --command-name 'infrac, first run' --prepare "rm -rf $QI" "$infrac_qs" \
  --command-name 'pyinfra, first run' --prepare "rm -rf $QP" "$pyinfra_qs"
hyperfine --runs "$RUNS" --warmup 1 --export-json "$OUT/quickstart-nochange.json" \
  --command-name 'infrac, no change' "$infrac_qs" \
  --command-name 'pyinfra, no change' "$pyinfra_qs"

# --- 2. per-op overhead ----------------------------------------------------
gen_infra() { # N -> a program with N files.file ops
  printf 'use std::files\nparam root: str\ngroup here = [local()]\nstage s on here {\n  files.directory(root)\n'
  i=0; while [ "$i" -lt "$1" ]; do printf '  files.file("{root}/f%s")\n' "$i"; i=$((i + 1)); done
  printf '}\n'
}
gen_py() { # N -> a deploy with N files.file ops
  printf 'from pyinfra import host\nfrom pyinfra.operations import files\nroot = host.data.root\n'
  printf 'files.directory(name="root", path=root)\n'
  i=0; while [ "$i" -lt "$1" ]; do printf 'files.file(name="f%s", path=f"{root}/f%s")\n' "$i" "$i"; i=$((i + 1)); done
}
for n in 0 50; do
  gen_infra "$n" > "$OUT/ops$n.infra"
  gen_py "$n" > "$OUT/ops$n.py"
done
hyperfine --runs "$RUNS" --export-json "$OUT/ops.json" \
  --prepare "rm -rf $OUT/oi0" --command-name 'infrac 0 ops' "$INFRAC run --yes $OUT/ops0.infra --set root=$OUT/oi0 --format json" \
  --prepare "rm -rf $OUT/oi50" --command-name 'infrac 50 ops' "$INFRAC run --yes $OUT/ops50.infra --set root=$OUT/oi50 --format json" \
  --prepare "rm -rf $OUT/op0" --command-name 'pyinfra 0 ops' "cd $OUT && $PYINFRA -y @local ops0.py --data root=$OUT/op0" \
  --prepare "rm -rf $OUT/op50" --command-name 'pyinfra 50 ops' "cd $OUT && $PYINFRA -y @local ops50.py --data root=$OUT/op50"
# Medians of every scenario, as a Markdown table, and the per-op overhead.
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
med = {}
print("| scenario | median [ms] | min [ms] | max [ms] |")
print("|:---|---:|---:|---:|")
for name in ("quickstart-first", "quickstart-nochange", "ops"):
    for r in json.load(open(os.path.join(out, name + ".json")))["results"]:
        med[r["command"]] = r["median"]
        print(f"| {r['command']} | {r['median'] * 1000:.0f} | {r['min'] * 1000:.0f} | {r['max'] * 1000:.0f} |")
for tool in ("infrac", "pyinfra"):
    per_op = (med[f"{tool} 50 ops"] - med[f"{tool} 0 ops"]) / 50 * 1000
    print(f"\n{tool}: {per_op:.1f} ms per files.file op (first run, from the medians)")
PY
