#!/bin/sh
# Brings the test bed up (reusing it when already there) and runs the
# connector tests against it. INFRAC_TESTBED=1 makes every test bed test
# fail, instead of skipping, if the test bed is not reachable.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
"$HERE/up.sh"
cd "$HERE/../.."
INFRAC_TESTBED=1 exec cargo test -p infrac-connect "$@"
