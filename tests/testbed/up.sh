#!/bin/sh
# Brings up the SSH/Docker test bed on a Debian 12 machine (run as root).
# Idempotent: a second run reuses the packages, the engine, the image and the
# running containers, and only rewrites the client files under .state/.
#
#   tests/testbed/up.sh [N]     # N hosts, default 3: infrac-host-1..N
#
# Every container runs with --network host and its own sshd on
# 127.0.0.1:22NN (2201, 2202, ...), so all traffic stays on loopback.
# Outputs (all under tests/testbed/.state/, gitignored):
#   id_ed25519        client key, authorized for root and deploy
#   ssh_config        Host infrac-host-N entries (User deploy)
#   known_hosts       the host keys of every container
#   hosts.ini         an Ansible INI inventory of the hosts
#   $BASE.tar             the cached debootstrap root file system
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
STATE="$HERE/.state"
N=${1:-${INFRAC_TESTBED_HOSTS:-3}}
IMAGE=infrac-testbed:latest
# The debootstrap base; its name changes with its package list, so that a
# machine with an older base builds the new one once.
BASE=bookworm-minbase-cron
BASE_IMAGE=infrac-testbed-base:$BASE
mkdir -p "$STATE"

log() { echo "testbed: $*" >&2; }

install_packages() {
    missing=""
    for p in docker.io debootstrap openssh-server openssh-client sudo; do
        dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    log "installing$missing"
    apt-get update -qq
    # --no-install-recommends keeps the install small; policy-rc.d stops the
    # packages from starting services (we start dockerd ourselves).
    DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

start_dockerd() {
    if docker info >/dev/null 2>&1; then return 0; fi
    log "starting dockerd (log: $STATE/dockerd.log)"
    # No bridge and no iptables: containers only get --network host/none.
    nohup dockerd --bridge=none --iptables=false --ip6tables=false \
        >"$STATE/dockerd.log" 2>&1 &
    i=0
    until docker info >/dev/null 2>&1; do
        i=$((i + 1))
        if [ "$i" -gt 60 ]; then
            log "dockerd did not come up; see $STATE/dockerd.log"
            exit 1
        fi
        sleep 0.5
    done
}

# The first Debian mirror configured for apt (deb822 or one-line format).
debian_mirror() {
    if [ -n "${INFRAC_TESTBED_MIRROR:-}" ]; then echo "$INFRAC_TESTBED_MIRROR"; return; fi
    m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '/^URIs:/ { print $2 }' | grep -v security | grep /debian | head -n 1)
    if [ -z "$m" ]; then
        m=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
            | awk '{ print $2 }' | grep -v security | grep /debian | head -n 1)
    fi
    echo "${m:-http://deb.debian.org/debian}"
}

# The plain debootstrap result, cached: the slow part of a first run.
build_rootfs() {
    [ -f "$STATE/$BASE.tar" ] && return 0
    mirror=$(debian_mirror)
    root="$STATE/rootfs"
    rm -rf "$root"
    log "debootstrap bookworm from $mirror (about a minute)"
    debootstrap --variant=minbase --include=openssh-server,sudo,cron \
        bookworm "$root" "$mirror" >"$STATE/debootstrap.log" 2>&1 \
        || { log "debootstrap failed; see $STATE/debootstrap.log"; exit 1; }
    rm -f "$root"/etc/ssh/ssh_host_*
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$STATE/$BASE.tar.part" .
    mv "$STATE/$BASE.tar.part" "$STATE/$BASE.tar"
    rm -rf "$root"
}

# What the test image adds to the base system. Its hash labels the image,
# so editing it here rebuilds the image (quickly: from the cached base).
#   deploy: key login, passwordless sudo.
#   sudoer: key login, sudo with the password "infrac-pw" (tests sudo -S).
CUSTOMIZE='set -e
useradd --create-home --shell /bin/bash deploy
usermod -p "*" deploy
echo "deploy ALL=(ALL) NOPASSWD: ALL" > /etc/sudoers.d/deploy
useradd --create-home --shell /bin/bash sudoer
echo "sudoer:infrac-pw" | chpasswd
echo "sudoer ALL=(ALL) ALL" > /etc/sudoers.d/sudoer
chmod 0440 /etc/sudoers.d/deploy /etc/sudoers.d/sudoer
mkdir -p /run/sshd'

build_image() {
    want=$(printf '%s %s' "$BASE" "$CUSTOMIZE" | sha256sum | cut -c1-16)
    have=$(docker image inspect -f '{{index .Config.Labels "infrac.testbed"}}' "$IMAGE" 2>/dev/null || true)
    [ "$have" = "$want" ] && return 0
    if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        build_rootfs
        log "importing $BASE_IMAGE"
        docker import "$STATE/$BASE.tar" "$BASE_IMAGE" >/dev/null
    fi
    log "building $IMAGE"
    docker rm -f infrac-testbed-build >/dev/null 2>&1 || true
    docker run --name infrac-testbed-build --network none "$BASE_IMAGE" sh -c "$CUSTOMIZE"
    docker commit -c "LABEL infrac.testbed=$want" infrac-testbed-build "$IMAGE" >/dev/null
    docker rm infrac-testbed-build >/dev/null
    # Containers of an older image are recreated below.
    for c in $(docker ps -aq --filter 'name=^infrac-host-[0-9]+$'); do docker rm -f "$c" >/dev/null; done
}

client_files() {
    [ -f "$STATE/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C infrac-testbed -f "$STATE/id_ed25519"
    cp "$STATE/id_ed25519.pub" "$STATE/authorized_keys"
    chmod 0644 "$STATE/authorized_keys"
}

# Per-host directory mounted at /etc/ssh/infrac: host key + authorized keys
# (one file for every user, hence AllowUsers below).
host_dir() {
    d="$STATE/host-$1"
    mkdir -p "$d"
    chmod 0755 "$d"
    [ -f "$d/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "infrac-host-$1" -f "$d/ssh_host_ed25519_key"
    cp "$STATE/authorized_keys" "$d/authorized_keys"
    echo "$d"
}

port_of() { printf '22%02d' "$1"; }

start_host() {
    i=$1
    name="infrac-host-$i"
    port=$(port_of "$i")
    d=$(host_dir "$i")
    # (docker prints an empty line for a container that does not exist)
    state=$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null | tr -d '\n')
    [ -n "$state" ] || state=absent
    # A container made from another checkout mounts that checkout's keys:
    # replace it, or this checkout's key and known_hosts would not match.
    mounted=$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/etc/ssh/infrac"}}{{.Source}}{{end}}{{end}}' "$name" 2>/dev/null || true)
    # A container started before sshd logged each session (LogLevel VERBOSE,
    # which the fleet benchmark counts commands with): replace it too.
    args=$(docker inspect -f '{{join .Args " "}}' "$name" 2>/dev/null || true)
    if [ "$state" != absent ] && { [ "$mounted" != "$d" ] || [ "${args#*LogLevel=VERBOSE}" = "$args" ]; }; then
        docker rm -f "$name" >/dev/null
        state=absent
    fi
    case "$state" in
    true) return 0 ;;
    false) docker start "$name" >/dev/null; return 0 ;;
    esac
    docker run -d --name "$name" --network host \
        -v "$d:/etc/ssh/infrac:ro" \
        "$IMAGE" /usr/sbin/sshd -D -e -p "$port" \
        -o ListenAddress=127.0.0.1 \
        -o HostKey=/etc/ssh/infrac/ssh_host_ed25519_key \
        -o AuthorizedKeysFile=/etc/ssh/infrac/authorized_keys \
        -o PidFile=/run/sshd-infrac.pid \
        -o StrictModes=no \
        -o LogLevel=VERBOSE \
        -o 'AllowUsers root deploy sudoer' >/dev/null
}

write_client_config() {
    : >"$STATE/known_hosts.part"
    : >"$STATE/ssh_config.part"
    echo "[all]" >"$STATE/hosts.ini.part"
    i=1
    while [ "$i" -le "$N" ]; do
        port=$(port_of "$i")
        key=$(cut -d' ' -f1,2 "$STATE/host-$i/ssh_host_ed25519_key.pub")
        echo "[127.0.0.1]:$port $key" >>"$STATE/known_hosts.part"
        cat >>"$STATE/ssh_config.part" <<CONF
Host infrac-host-$i
    HostName 127.0.0.1
    Port $port
    User deploy
    IdentityFile $STATE/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $STATE/known_hosts
    StrictHostKeyChecking yes
    BatchMode yes

CONF
        echo "infrac-host-$i ansible_host=127.0.0.1 ansible_port=$port ansible_user=deploy ansible_ssh_private_key_file=$STATE/id_ed25519" >>"$STATE/hosts.ini.part"
        i=$((i + 1))
    done
    for f in known_hosts ssh_config hosts.ini; do mv "$STATE/$f.part" "$STATE/$f"; done
}

wait_for_ssh() {
    i=1
    while [ "$i" -le "$N" ]; do
        tries=0
        until ssh -F "$STATE/ssh_config" -o ConnectTimeout=2 "infrac-host-$i" true 2>/dev/null; do
            tries=$((tries + 1))
            if [ "$tries" -gt 20 ]; then
                log "infrac-host-$i does not answer on port $(port_of "$i"):"
                docker logs --tail 20 "infrac-host-$i" >&2 || true
                exit 1
            fi
            sleep 0.5
        done
        i=$((i + 1))
    done
}

install_packages
start_dockerd
build_image
client_files
i=1
while [ "$i" -le "$N" ]; do
    start_host "$i"
    i=$((i + 1))
done
write_client_config
wait_for_ssh
log "up: $N hosts; ssh -F $STATE/ssh_config infrac-host-1"
