#!/bin/sh
# The fleet benchmark (run by hand, as root, on the machine of the test bed):
# the same deploy (fleet.infra, fleet_deploy.py, fleet_playbook.yml: three
# directories, a file, a template, a line, a symlink, a guarded command,
# an installed-package check) by infrac, pyinfra and Ansible, over SSH to
# the test bed's containers (127.0.0.1:2201...), all in the same run:
#
#   sh benches/fleet/run.sh [HOSTS] [RUNS]        # default 3 hosts, 5 runs
#   INFRAC=target/release/infrac sh benches/fleet/run.sh 10 5
#   TOOLS="infrac pyinfra" sh benches/fleet/run.sh 50 3   # without Ansible
#
# For each tool: first run (the deploy's folder removed on every host
# before each run) and no-change run, medians of RUNS runs by hyperfine,
# plus the connect-only floor (HOSTS parallel `ssh host true`), then the
# controller's peak memory (/usr/bin/time -v) on a no-change run and the
# hosts' CPU per host (the containers' cpuacct cgroups) on one first and
# one no-change run.
# hyperfine's JSON exports are kept in $OUT (default /tmp/infrac-fleet-bench).
set -eu

N=${1:-3}
RUNS=${2:-5}
TOOLS=${TOOLS:-infrac pyinfra ansible}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STATE="$REPO/tests/testbed/.state"
OUT=${OUT:-/tmp/infrac-fleet-bench}
WORK="$OUT/work"
mkdir -p "$WORK"

"$REPO/tests/testbed/up.sh" "$N"
command -v hyperfine >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq hyperfine; }
if [ ! -x "$OUT/venv/bin/ansible-playbook" ] || [ ! -x "$OUT/venv/bin/pyinfra" ]; then
  python3 -m venv "$OUT/venv"
  "$OUT/venv/bin/pip" install -q pyinfra ansible-core
fi
PY="$OUT/venv/bin"
if [ -z "${INFRAC:-}" ]; then
  (cd "$REPO" && cargo build --release -q -p infrac)
  INFRAC="$REPO/target/release/infrac"
fi

HOSTS=$(i=1; while [ "$i" -le "$N" ]; do echo "infrac-host-$i"; i=$((i + 1)); done)

# Ansible's modules need python3 on the hosts; the image has none and the
# containers stay offline, so this machine's apt downloads the Debian
# packages and dpkg installs them in each container.
python_debs() {
  DEBS="$OUT/python-debs"
  [ -d "$DEBS" ] && return 0
  mkdir -p "$DEBS.tmp"
  docker run --rm --network none infrac-testbed:latest dpkg-query -W -f '${Package}\n' | sort >"$OUT/installed.txt"
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
      --no-breaks --no-replaces --no-enhances python3 \
    | grep -v '^ ' | grep -v '<' | sort -u >"$OUT/python-deps.txt"
  # perl and mailcap only come through mime-support; the interpreter runs without them.
  (cd "$DEBS.tmp" && apt-get download -q $(comm -23 "$OUT/python-deps.txt" "$OUT/installed.txt" \
      | grep -vE '^(perl|libperl|perl-modules|mailcap|mime-support|libgdbm-compat|install-info)'))
  mv "$DEBS.tmp" "$DEBS"
}
case " $TOOLS " in *" ansible "*) with_ansible=1 ;; *) with_ansible=0 ;; esac
for h in $HOSTS; do
  [ "$with_ansible" = 1 ] || break
  docker exec "$h" sh -c 'command -v python3' >/dev/null 2>&1 && continue
  python_debs
  docker cp "$DEBS" "$h:/tmp/python-debs"
  # Twice: the first pass settles the pre-dependencies' order.
  docker exec "$h" sh -c 'dpkg -i --force-depends /tmp/python-debs/*.deb >/dev/null 2>&1;
    dpkg -i --force-depends /tmp/python-debs/*.deb >/dev/null && rm -rf /tmp/python-debs'
done

# --- inputs of each tool, in $WORK ------------------------------------------
cp "$HERE/fleet.infra" "$HERE/fleet_deploy.py" "$HERE/fleet_playbook.yml" "$HERE/motd.j2" "$WORK/"
KEY="$STATE/id_ed25519" KH="$STATE/known_hosts"
: >"$WORK/hosts.ini"                # infrac: ssh config aliases
: >"$WORK/ansible-hosts.ini"
echo "hosts = [" >"$WORK/inventory.py"
for h in $HOSTS; do
  port=$((2200 + ${h#infrac-host-}))
  echo "$h" >>"$WORK/hosts.ini"
  echo "$h ansible_host=127.0.0.1 ansible_port=$port ansible_user=deploy ansible_ssh_private_key_file=$KEY" >>"$WORK/ansible-hosts.ini"
  echo "  (\"$h\", {\"ssh_hostname\": \"127.0.0.1\", \"ssh_port\": $port, \"ssh_user\": \"deploy\", \"ssh_key\": \"$KEY\", \"ssh_known_hosts_file\": \"$KH\", \"ssh_strict_host_key_checking\": \"yes\"})," >>"$WORK/inventory.py"
done
echo "]" >>"$WORK/inventory.py"
cat >"$WORK/ansible.cfg" <<CFG
[defaults]
forks = $N
host_key_checking = True
interpreter_python = /usr/bin/python3
stdout_callback = default
[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=$KH -o IdentitiesOnly=yes
CFG

# One script per command, run by hyperfine without a shell of its own.
{ echo "for h in $(echo $HOSTS); do docker exec \$h rm -rf /tmp/infrac-fleet-bench; done"; } >"$WORK/clean.sh"
echo "cd $WORK && exec $INFRAC run fleet.infra --yes --format json --ssh-config $STATE/ssh_config >/dev/null" >"$WORK/infrac.sh"
echo "cd $WORK && exec $PY/pyinfra -y inventory.py fleet_deploy.py >/dev/null" >"$WORK/pyinfra.sh"
echo "cd $WORK && ANSIBLE_CONFIG=$WORK/ansible.cfg exec $PY/ansible-playbook -i ansible-hosts.ini fleet_playbook.yml >/dev/null" >"$WORK/ansible.sh"
echo "for h in $(echo $HOSTS); do ssh -F $STATE/ssh_config \$h true & done; wait" >"$WORK/floor.sh"

echo "infrac: $($INFRAC --version)   pyinfra: $($PY/pyinfra --version 2>&1 | sed -n '$p')   ansible: $($PY/ansible-playbook --version | sed -n 1p)   hosts: $N"
set --
for tool in $TOOLS; do set -- "$@" --command-name "$tool" "sh $WORK/$tool.sh"; done
hyperfine -N --runs "$RUNS" --export-json "$OUT/first-$N.json" --prepare "sh $WORK/clean.sh" "$@"
hyperfine -N --runs "$RUNS" --warmup 1 --export-json "$OUT/nochange-$N.json" "$@" \
  --command-name "ssh true (floor)" "sh $WORK/floor.sh"

rss() { # peak RSS in MB of the largest process of a no-change run of the script
  /usr/bin/time -v sh "$WORK/$1.sh" 2>&1 >/dev/null | awk '/Maximum resident set size/ { printf "%.1f", $6 / 1024 }'
}
echo
echo "| $N hosts | first run (median) | no-change run (median) | peak RSS, no change |"
echo "| --- | --- | --- | --- |"
"$PY/python" - "$OUT/first-$N.json" "$OUT/nochange-$N.json" <<'PY' >"$OUT/table-$N.txt"
import json, sys
first = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
nochange = {r["command"]: r for r in json.load(open(sys.argv[2]))["results"]}
base_f, base_n = first["infrac"]["median"], nochange["infrac"]["median"]
for name, n in nochange.items():
    f = first.get(name)
    ftext = f"{f['median']:.2f} s ({f['median'] / base_f:.1f}x)" if f else "—"
    print(f"{name}\t{ftext}\t{n['median']:.2f} s ({n['median'] / base_n:.1f}x)")
PY
while IFS="$(printf '\t')" read -r name first nochange; do
  case "$name" in
    infrac | pyinfra | ansible) mem=$(rss "$name") ;;
    *) mem="—" ;;
  esac
  [ "$mem" = "—" ] || mem="$mem MB"
  echo "| $name | $first | $nochange | $mem |"
done <"$OUT/table-$N.txt"

# --- target CPU per host: the containers' cgroup CPU time (sshd included) ---
cpu_ns() { # total CPU time of the hosts' containers, in ns
  total=0
  for h in $HOSTS; do
    id=$(docker inspect -f '{{.Id}}' "$h")
    f=/sys/fs/cgroup/cpuacct/docker/$id/cpuacct.usage
    [ -f "$f" ] || f=/sys/fs/cgroup/system.slice/docker-$id.scope/cpu.stat
    case "$f" in
      *cpu.stat) v=$(awk '/^usage_usec/ { print $2 * 1000 }' "$f") ;;
      *) v=$(cat "$f") ;;
    esac
    total=$((total + v))
  done
  echo "$total"
}
per_host_cpu() { # SCRIPT -> CPU seconds per host of one run of it
  before=$(cpu_ns)
  sh "$WORK/$1.sh" >/dev/null 2>&1 || true
  after=$(cpu_ns)
  awk -v d=$((after - before)) -v n="$N" 'BEGIN { printf "%.3f s", d / n / 1e9 }'
}
echo
echo "| $N hosts | target CPU per host, first run | target CPU per host, no change |"
echo "| --- | --- | --- |"
for tool in $TOOLS floor; do
  sh "$WORK/clean.sh"
  first=$(per_host_cpu "$tool")
  nochange=$(per_host_cpu "$tool")
  [ "$tool" = floor ] && first="—"
  echo "| $tool | $first | $nochange |"
done
