#!/bin/sh
# The latency benchmark (run by hand, as root, on the machine of the test
# bed): the fleet benchmark's deploy (benches/fleet) by infrac, pyinfra and
# Ansible with every host reached through a delay proxy on 127.0.0.1
# (delay_proxy.py: RTT/2 added to every chunk in each direction; this
# machine's kernel has no netem, so `tc` cannot add delay):
#
#   sh benches/wan/run.sh                 # RTT 25 and 100 ms, 1 and 10 hosts, 3 runs
#   HOSTS="1" RUNS=5 sh benches/wan/run.sh 25
#
# Each table is the fleet benchmark's (benches/fleet/report.py): wall time
# of the first and the no-change run, and the commands per host counted in
# the hosts' sshd logs. A run costs about: the handshake (the "ssh true"
# floor, a few round trips) + round trips x RTT + the work itself; the
# commands per host are the round trips after the handshake.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
for rtt in ${*:-25 100}; do
  for n in ${HOSTS:-1 10}; do
    echo "=== RTT $rtt ms, $n host(s)"
    RTT_MS=$rtt OUT=${OUT:-/tmp/infrac-wan-bench}/rtt-$rtt sh "$HERE/../fleet/run.sh" "$n" "${RUNS:-3}"
  done
done
