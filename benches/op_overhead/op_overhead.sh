#!/bin/sh
# Per-operation overhead of `infrac run` on the local connector, beyond the
# commands themselves: 50 `files.file` ops (first run: each reads the file's
# state, then writes it atomically) minus the same program with no ops,
# against the same commands run by a plain shell script.
#
#   sh benches/op_overhead/op_overhead.sh [RUNS]     # needs hyperfine
set -eu
runs=${1:-20}
repo=$(cd "$(dirname "$0")/../.." && pwd)
infrac=${INFRAC:-$repo/target/release/infrac}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
[ -x "$infrac" ] || (cd "$repo" && cargo build --release --bin infrac)

ops=""
for i in $(seq 1 50); do
  ops="$ops  files.file(\"{root}/f$i\", content: \"line $i\\\\n\", mode: 0o644)
"
done
for n in 0 50; do
  body=$([ "$n" = 50 ] && printf '%s' "$ops" || true)
  cat > "$w/ops$n.infra" <<EOF2
use std::files
param root: str
group here = [local()]
stage s on here {
  files.directory(root)
$body
}
EOF2
done
# The same work by hand: per file, one read of its state, one atomic write.
cat > "$w/by_hand.sh" <<EOF2
for i in \$(seq 1 50); do
  sh -c "stat -c '%f %s' $w/h/f\$i 2>/dev/null; sha256sum < $w/h/f\$i 2>/dev/null" >/dev/null
  printf 'line %s\n' \$i | sh -c "t=\\\$(mktemp $w/h/.tmpXXXX) && cat > \\\$t && chmod 644 \\\$t && mv \\\$t $w/h/f\$i"
done
EOF2
hyperfine -N -w 3 -r "$runs" --export-json "$w/hf.json" \
  --prepare "sh -c 'rm -rf $w/r $w/h; mkdir -p $w/h'" \
  "$infrac run $w/ops50.infra --yes --set root=$w/r" \
  "$infrac run $w/ops0.infra --yes --set root=$w/r" \
  "sh $w/by_hand.sh"
python3 - "$w/hf.json" <<'EOF2'
import json, sys
m = [r["median"] * 1000 for r in json.load(open(sys.argv[1]))["results"]]
print("medians: 50 ops %.1f ms, 0 ops %.1f ms, by hand %.1f ms" % tuple(m))
print("per op: infrac %.2f ms, the commands by hand %.2f ms, overhead %.2f ms"
      % ((m[0] - m[1]) / 50, m[2] / 50, (m[0] - m[1] - m[2]) / 50))
EOF2
