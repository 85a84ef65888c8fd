#!/bin/sh
# Runs the standard library's self-test programs, each twice, with the
# `infrac` binary ($INFRAC, default target/debug/infrac): the first run
# must succeed, the second must succeed and change nothing.
#
#   stdlib/tests/run.sh            # ops_local.infra only
#   stdlib/tests/run.sh --root     # also ops_root.infra, on test bed host 3
#
# ops_root.infra needs the SSH test bed (tests/testbed/up.sh), its key,
# and its host keys in ~/.ssh/known_hosts (tests/testbed/.state/known_hosts);
# it changes users, crontabs and packages on that host.
set -eu
cd "$(dirname "$0")/../.."
INFRAC=${INFRAC:-target/debug/infrac}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The number of changes in the summary line of a JSON run.
changes() { sed -n 's/^{"changed":\([0-9]*\),"event":"summary".*/\1/p' "$1"; }

twice() {
    prog=$1
    shift
    for n in 1 2; do
        if ! "$INFRAC" run "$prog" --yes --format json "$@" >"$work/run$n.json" 2>"$work/err$n"; then
            echo "FAIL $prog (run $n):" >&2
            grep -v '"event":"op"' "$work/run$n.json" >&2 || true
            cat "$work/err$n" >&2
            exit 1
        fi
    done
    if [ "$(changes "$work/run2.json")" != 0 ]; then
        echo "FAIL $prog: the second run changed something:" >&2
        grep '"changed":true' "$work/run2.json" >&2
        exit 1
    fi
    echo "ok   $prog (first run: $(changes "$work/run1.json") changes, second: 0)"
}

twice stdlib/tests/ops_local.infra --set "root=$work/root"
if [ "${1:-}" = --root ]; then
    twice stdlib/tests/ops_root.infra --set "identity=$PWD/tests/testbed/.state/id_ed25519"
fi
