#!/bin/sh
# The fleet benchmark (run by hand, as root, on the machine of the test bed):
# the same deploy (fleet.infra, fleet_deploy.py, fleet_playbook.yml: a user,
# three directories, a put file, a file owned by the user (sudo), a
# template, a line, a symlink, a fact-dependent branch, an installed-package
# check, a crontab line, a command's output written to a later file, a
# guarded command) by infrac, pyinfra and Ansible, over SSH to the test
# bed's containers (127.0.0.1:2201...), all in the same run:
#
#   sh benches/fleet/run.sh [HOSTS] [RUNS]        # default 3 hosts, 5 runs
#   INFRAC=target/release/infrac sh benches/fleet/run.sh 10 5
#   TOOLS="infrac pyinfra" sh benches/fleet/run.sh 50 3   # without Ansible
#   SSH_KEX=curve25519-sha256 sh benches/fleet/run.sh 1 5 # same crypto as pyinfra
#
# For each tool: first run (what the deploy creates removed on every host
# before each run) and no-change run (after one warm-up run), RUNS runs of
# each by hyperfine, plus the connect-only floor (HOSTS parallel
# `ssh host true`). Every timed run is also measured (medians of the runs):
#   commands per host   "Starting session:" lines in the hosts' sshd logs
#                       (LogLevel VERBOSE: one per command, shell or
#                       subsystem such as sftp);
#   controller CPU      the tool and every process it starts, ssh masters
#                       that daemonize included: a cgroup (v1 cpuacct) per
#                       tool that its script enters before it starts;
#   target CPU          the containers' cpuacct cgroups (sshd, shells,
#                       commands);
#   controller memory   the largest process's peak RSS (GNU time: infrac
#                       itself, pyinfra itself, Ansible's largest fork) and
#                       the tool with its ssh processes (the cgroup's peak,
#                       v1 memory.max_usage_in_bytes; the worst run). The
#                       cgroup counts the memory charged to it (anonymous
#                       memory, page cache it brought in), not the shared
#                       pages of binaries already cached, which RSS counts:
#                       it can be below the largest process's RSS.
# The measuring costs the timed runs two cgroup writes and GNU time's fork,
# about a millisecond. Ansible and infrac keep their ssh masters between
# runs (ControlPersist, as both do by default: Ansible 60 s, infrac
# `--ssh-persist 60`): they stay in the tool's cgroup, and their CPU during
# a run counts. `infrac-cold` is infrac with `--ssh-persist 0`: a handshake
# per host in every run, like pyinfra and the floor. Controller CPU and memory need cgroup v1 (this
# machine); elsewhere they are reported as "—". At the end, clean.sh leaves
# the hosts as the deploy found them (cron and python3 stay installed).
# hyperfine's JSON exports, runs-N.tsv (one line per measured run) and
# sessions-N.txt (the sshd session lines) are kept in $OUT (default
# /tmp/infrac-fleet-bench); report.py makes the table from them.
set -eu

N=${1:-3}
RUNS=${2:-5}
TOOLS=${TOOLS:-infrac infrac-cold pyinfra ansible}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STATE="$REPO/tests/testbed/.state"
OUT=${OUT:-/tmp/infrac-fleet-bench}
WORK="$OUT/work"
mkdir -p "$WORK"

"$REPO/tests/testbed/up.sh" "$N"
command -v hyperfine >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq hyperfine; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }
if [ ! -x "$OUT/venv/bin/ansible-playbook" ] || [ ! -x "$OUT/venv/bin/pyinfra" ]; then
  python3 -m venv "$OUT/venv"
  "$OUT/venv/bin/pip" install -q pyinfra ansible-core
fi
PY="$OUT/venv/bin"
if [ -z "${INFRAC:-}" ]; then
  (cd "$REPO" && cargo build --release -q -p infrac)
  INFRAC="$REPO/target/release/infrac"
fi
case "$INFRAC" in /*) ;; *) INFRAC="$PWD/$INFRAC" ;; esac  # the tools run in $WORK

HOSTS=$(i=1; while [ "$i" -le "$N" ]; do echo "infrac-host-$i"; i=$((i + 1)); done)

# --- packages the image lacks, installed offline ------------------------------
# The containers stay offline: this machine's apt downloads the Debian
# packages once into $OUT/NAME-debs and dpkg installs them in each container
# (twice: the first pass settles the pre-dependencies' order; policy-rc.d
# keeps their services stopped).
download_debs() { # NAME PACKAGE...
  dir="$OUT/$1-debs"
  shift
  [ -d "$dir" ] && return 0
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  (cd "$dir.tmp" && apt-get download -q "$@")
  mv "$dir.tmp" "$dir"
}
install_debs() { # HOST NAME
  docker cp "$OUT/$2-debs" "$1:/tmp/$2-debs"
  docker exec "$1" sh -c "printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    dpkg -i --force-depends /tmp/$2-debs/*.deb >/dev/null 2>&1; dpkg -i --force-depends /tmp/$2-debs/*.deb >/dev/null
    status=\$?; rm -rf /usr/sbin/policy-rc.d /tmp/$2-debs; exit \$status"
}
# python3, for Ansible's modules: python3's dependencies the image lacks.
python_packages() {
  docker run --rm --network none infrac-testbed:latest dpkg-query -W -f '${Package}\n' | sort >"$OUT/installed.txt"
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
      --no-breaks --no-replaces --no-enhances python3 \
    | grep -v '^ ' | grep -v '<' | sort -u >"$OUT/python-deps.txt"
  # perl and mailcap only come through mime-support; the interpreter runs without them.
  comm -23 "$OUT/python-deps.txt" "$OUT/installed.txt" \
    | grep -vE '^(perl|libperl|perl-modules|mailcap|mime-support|libgdbm-compat|install-info)'
}
case " $TOOLS " in *" ansible "*) with_ansible=1 ;; *) with_ansible=0 ;; esac
for h in $HOSTS; do
  # crontab, for the deploy's crontab line (cron's daemon is not started).
  if ! docker exec "$h" sh -c 'command -v crontab' >/dev/null 2>&1; then
    download_debs cron cron-daemon-common cron
    install_debs "$h" cron
  fi
  if [ "$with_ansible" = 1 ] && ! docker exec "$h" sh -c 'command -v python3' >/dev/null 2>&1; then
    [ -d "$OUT/python-debs" ] || download_debs python $(python_packages)
    install_debs "$h" python
  fi
done

# --- inputs of each tool, in $WORK ------------------------------------------
cp "$HERE/fleet.infra" "$HERE/fleet_deploy.py" "$HERE/fleet_playbook.yml" "$HERE/motd.j2" "$HERE/app.conf" "$WORK/"
KEY="$STATE/id_ed25519" KH="$STATE/known_hosts"
# SSH_KEX=curve25519-sha256: the OpenSSH clients (infrac, Ansible, the floor)
# use that key exchange instead of OpenSSH 9's post-quantum default, which
# costs each handshake ~0.1 s of CPU here; pyinfra's paramiko never offers
# the post-quantum one. Same crypto for all, for comparing the tools alone.
SSH_CONFIG="$WORK/ssh_config" KEX_ARG=""
{
  if [ -n "${SSH_KEX:-}" ]; then printf 'Host *\n  KexAlgorithms %s\n\n' "$SSH_KEX"; fi
  cat "$STATE/ssh_config"
} >"$SSH_CONFIG"
[ -z "${SSH_KEX:-}" ] || KEX_ARG="-o KexAlgorithms=$SSH_KEX"
# RTT_MS=25: every tool reaches the hosts through benches/wan/delay_proxy.py
# (127.0.0.1:3201... -> 2201..., RTT_MS/2 added each way; the host keys are
# known under both ports).
PORT_BASE=2200 PROXY_PID=""
if [ -n "${RTT_MS:-}" ]; then
  PORT_BASE=3200
  pairs=$(for h in $HOSTS; do i=${h#infrac-host-}; echo "$((3200 + i)):$((2200 + i))"; done)
  python3 "$REPO/benches/wan/delay_proxy.py" --rtt-ms "$RTT_MS" $pairs &
  PROXY_PID=$!
  { cat "$KH"; sed -E 's/\[127\.0\.0\.1\]:22([0-9][0-9])/[127.0.0.1]:32\1/' "$KH"; } >"$WORK/known_hosts"
  KH="$WORK/known_hosts"
  sed -i -E "s/^( *Port )22([0-9][0-9])\$/\132\2/; s#^( *UserKnownHostsFile ).*#\1$KH#" "$SSH_CONFIG"
  sleep 0.5
fi
: >"$WORK/hosts.ini"                # infrac: ssh config aliases
: >"$WORK/ansible-hosts.ini"
echo "hosts = [" >"$WORK/inventory.py"
for h in $HOSTS; do
  port=$((PORT_BASE + ${h#infrac-host-}))
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
ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=$KH -o IdentitiesOnly=yes $KEX_ARG
CFG

# --- cgroups of the controller's measurements (v1) --------------------------
# One cpuacct and one memory cgroup per tool; the memory ones under this
# script's own memory cgroup, so any limit on it still holds.
CPU_CG="" MEM_CG=""
if [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] && [ -d /sys/fs/cgroup/cpuacct ] && [ -d /sys/fs/cgroup/memory ]; then
  CPU_CG=/sys/fs/cgroup/cpuacct/infrac-fleet-bench
  MEM_CG="/sys/fs/cgroup/memory$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)"
  MEM_CG="${MEM_CG%/}/infrac-fleet-bench"
  for tool in $TOOLS floor; do mkdir -p "$CPU_CG/$tool" "$MEM_CG/$tool"; done
else
  echo "fleet bench: no cgroup v1 cpuacct/memory hierarchies: controller CPU and memory not measured" >&2
fi
remove_cgroups() { # back to the parents (kept ssh masters persist), then removed
  [ -n "$CPU_CG" ] || return 0
  for tool in $TOOLS floor; do
    for cg in "$CPU_CG" "$MEM_CG"; do
      [ -d "$cg/$tool" ] || continue
      while read -r pid; do echo "$pid" >"${cg%/*}/cgroup.procs" 2>/dev/null || true; done <"$cg/$tool/cgroup.procs"
      rmdir "$cg/$tool" 2>/dev/null || true
    done
  done
  rmdir "$CPU_CG" "$MEM_CG" 2>/dev/null || true
}
# At the end, the hosts as the deploy found them (clean.sh, below; not a
# previous benchmark's, maybe for other hosts).
rm -f "$WORK/clean.sh"
leave() {
  [ ! -f "$WORK/clean.sh" ] || sh "$WORK/clean.sh"
  remove_cgroups
  [ -z "$PROXY_PID" ] || kill "$PROXY_PID" 2>/dev/null || true
}
trap leave EXIT

# --- scripts: one per command, run by hyperfine without a shell of its own ---
# A timed script enters its tool's cgroups, names the tool for mark.sh, and
# runs the tool under GNU time (peak RSS of the largest process).
tool_script() { # NAME COMMAND...
  name=$1
  shift
  {
    echo "cd $WORK"
    if [ -n "$CPU_CG" ]; then
      echo "echo \$\$ >$CPU_CG/$name/cgroup.procs && echo \$\$ >$MEM_CG/$name/cgroup.procs"
    fi
    echo "echo $name >$WORK/current-tool"
    echo "exec /usr/bin/time -f %M -o $WORK/maxrss-kb $*"
  } >"$WORK/$name.sh"
}
tool_script infrac "$INFRAC run fleet.infra --yes --format json --ssh-config $SSH_CONFIG >/dev/null"
tool_script infrac-cold "$INFRAC run fleet.infra --yes --format json --ssh-config $SSH_CONFIG --ssh-persist 0 >/dev/null"
tool_script pyinfra "$PY/pyinfra -y inventory.py fleet_deploy.py >/dev/null"
tool_script ansible "env ANSIBLE_CONFIG=$WORK/ansible.cfg $PY/ansible-playbook -i ansible-hosts.ini fleet_playbook.yml >/dev/null"
tool_script floor "sh -c 'for h in $(echo $HOSTS); do ssh -F $SSH_CONFIG \$h true & done; wait'"

# Undo what the deploy creates on every host (its folder, the user and
# deploy's crontab), so that every first run is a real first run.
{
  echo "for h in $(echo $HOSTS); do"
  echo "  docker exec \$h sh -c 'rm -rf /tmp/infrac-fleet-bench; userdel -r fleetapp 2>/dev/null; crontab -r -u deploy 2>/dev/null; true' &"
  echo "done; wait"
} >"$WORK/clean.sh"

# mark.sh PHASE|end (hyperfine's --prepare, and after each series): ends
# the measured run in progress, if any (one line in runs-N.tsv: tool, phase,
# start, end, controller CPU ns, cgroup memory peak, largest RSS in kB,
# target CPU ns), then starts the next one (reset counters, read the
# hosts' CPU, note the time); "end" only ends it (before clean.sh, whose
# docker exec would count as target CPU). A session line in the sshd logs
# belongs to the run whose start is the latest before it.
TARGET_FILES=""
for h in $HOSTS; do
  id=$(docker inspect -f '{{.Id}}' "$h")
  f=/sys/fs/cgroup/cpuacct/docker/$id/cpuacct.usage
  [ -f "$f" ] || { echo "fleet bench: no cpuacct cgroup for $h ($f)" >&2; exit 1; }
  TARGET_FILES="$TARGET_FILES $f"
done
RUNS_TSV="$OUT/runs-$N.tsv"
cat >"$WORK/mark.sh" <<MARK
target=\$(awk '{ s += \$1 } END { printf "%.0f", s }' $TARGET_FILES)
now=\$(date +%s.%N)
if [ -f $WORK/current-tool ]; then
  read -r tool <$WORK/current-tool
  read -r phase start target0 <$WORK/current-run
  cpu=— mem=—
  if [ -n "$CPU_CG" ]; then
    read -r cpu <$CPU_CG/\$tool/cpuacct.usage
    read -r mem <$MEM_CG/\$tool/memory.max_usage_in_bytes
  fi
  # GNU time's last line (a failed command's status comes before it).
  rss=\$(tail -n 1 $WORK/maxrss-kb 2>/dev/null || echo —)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "\$tool" "\$phase" "\$start" "\$now" "\$cpu" "\$mem" "\$rss" \$((target - target0)) >>$RUNS_TSV
  rm -f $WORK/current-tool $WORK/current-run
fi
[ "\$1" = end ] && exit 0
for tool in $TOOLS floor; do
  [ -n "$CPU_CG" ] || break
  echo 0 >$CPU_CG/\$tool/cpuacct.usage
  # The page cache previous runs left charged to the cgroup, dropped.
  echo 0 >$MEM_CG/\$tool/memory.force_empty 2>/dev/null || true
  echo 0 >$MEM_CG/\$tool/memory.max_usage_in_bytes
done
echo "\$1 \$now \$target" >$WORK/current-run
MARK
rm -f "$WORK/current-tool" "$WORK/current-run" "$WORK/maxrss-kb"
: >"$RUNS_TSV"

echo "infrac: $($INFRAC --version)   pyinfra: $($PY/pyinfra --version 2>&1 | sed -n '$p')   ansible: $($PY/ansible-playbook --version | sed -n 1p)   hosts: $N   key exchange: ${SSH_KEX:-OpenSSH default}"
START=$(date +%s.%N)
set --
for tool in $TOOLS; do set -- "$@" --command-name "$tool" "sh $WORK/$tool.sh"; done
hyperfine -N --runs "$RUNS" --export-json "$OUT/first-$N.json" \
  --prepare "sh -c 'sh $WORK/mark.sh end && sh $WORK/clean.sh && sh $WORK/mark.sh first'" "$@"
sh "$WORK/mark.sh" end
hyperfine -N --runs "$RUNS" --warmup 1 --export-json "$OUT/nochange-$N.json" \
  --prepare "sh $WORK/mark.sh nochange" "$@" --command-name "ssh true (floor)" "sh $WORK/floor.sh"
sh "$WORK/mark.sh" end

# The sshd logs of the whole benchmark, with docker's timestamps.
for h in $HOSTS; do
  docker logs -t --since "$START" "$h" 2>&1 | grep 'Starting session:' | sed "s/^/$h /" || true
done >"$OUT/sessions-$N.txt"

echo
python3 "$HERE/report.py" "$N" "$RUNS" "$OUT/first-$N.json" "$OUT/nochange-$N.json" "$RUNS_TSV" "$OUT/sessions-$N.txt"
