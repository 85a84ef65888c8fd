#!/bin/sh
# Removes the test bed containers (keeps the image, the engine and .state/,
# so the next up.sh is fast).
set -eu
ids=$(docker ps -aq --filter 'name=^infrac-host-[0-9]+$')
if [ -n "$ids" ]; then
    docker rm -f $ids >/dev/null
fi
echo "testbed: down" >&2
