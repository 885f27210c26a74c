#!/bin/bash
# An emulated cluster of N "nodes" on this one machine, for the multi-node tests and the
# allreduce benchmark. Each node is a network namespace with one address on a private /24,
# its own host name (a UTS namespace per command) and its own port space; the nodes are
# joined by a bridge that lives in a namespace of its own ("hub"), so the host namespace
# has no link to them. Ranks on different nodes talk over TCP, as on a real cluster.
#
#   tests/nodes.sh probe               exit 0 if namespaces can be made here, else print
#                                      one line saying why and exit 77
#   tests/nodes.sh up DIR [N]          make N nodes (default 3); DIR (short, e.g. from
#                                      mktemp -d /tmp/wsm.XXXXXX) receives the files below
#   tests/nodes.sh slurm DIR           munged + slurmctld on the head node + one slurmd per
#                                      node; waits until a job step runs on every node
#   tests/nodes.sh down DIR [--rm]     stop and remove everything `up`/`slurm` made
#
# Files written to DIR by `up`:
#   nodes.env          SLOT PREFIX HUB NODES HEAD SUBNET CIDR (sourceable)
#   nodes              "name address" per node;  hostfile  "name slots=1" per node
#   hosts              seen as /etc/hosts on every node (the host's file is untouched)
#   run-on NODE CMD..  run CMD on NODE (its network namespace, host name NODE)
#   rsh-agent          what mpirun calls instead of ssh (plm_rsh_agent)
#   mpirun-nodes ARGS  Open MPI's mpirun started on the head node with the options that work
#                      here (TCP only on the nodes' subnet, --bind-to none, yield when idle);
#                      ranks are placed by DIR/hostfile unless ARGS say otherwise (--host)
# and by `slurm`: slurm/slurm.conf, slurm/on-head CMD.. (a SLURM client command run on the
# head node with SLURM_CONF set), logs in slurm/log.
#
# Names and subnet: each cluster takes a free slot S in 1..250 (a lock directory under
# /run/wshare-nodes), names its nodes wsmSn1..wsmSnN and its hub wsmShub, and uses
# 10.213.S.0/24, so two clusters (ctest -j2) never collide, nor with other tools' defaults.
# A slot whose owner process (NODES_OWNER, default the caller of `up`) has died is torn down
# and reused. The host namespace gets one route, "blackhole 10.213.S.0/24", so a command
# run there by mistake fails at once instead of leaving by the default route.
# Needs root, iproute2 (ip netns), util-linux (nsenter, unshare); SLURM: slurm-wlm, munge.
# Why the options are what they are: README "Running on a cluster" and the comments below.
set -euo pipefail

LOCKS=/run/wshare-nodes
die() { echo "nodes.sh: $*" >&2; exit 1; }
alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

probe() {
  local t=wsmprobe$$ why=
  [ "$(id -u)" = 0 ] || { echo "cannot make network namespaces: not root"; exit 77; }
  for b in ip nsenter unshare; do
    command -v "$b" >/dev/null 2>&1 || { echo "cannot make network namespaces: $b not found"; exit 77; }
  done
  if ! why=$(ip netns add "$t" 2>&1); then
    echo "cannot make network namespaces: ip netns add: ${why:-failed}"; exit 77
  fi
  why=$( { ip -n "$t" link add br0 type bridge && ip -n "$t" link add a0 type veth peer name b0 &&
           nsenter --net="/run/netns/$t" unshare --uts --mount true; } 2>&1) || why="${why:-failed}"
  ip netns del "$t" 2>/dev/null || true
  [ -z "$why" ] || { echo "cannot make emulated nodes: $why" | head -n 1; exit 77; }
}

# names of slot S (used by `up` and by the stale-slot cleanup)
slot_names() { PREFIX=wsm$1n; HUB=wsm${1}hub; SUBNET=10.213.$1; CIDR=$SUBNET.0/24; }

# remove whatever carries slot S's names: processes in its namespaces, the namespaces, the route
wipe_slot() {
  local ns
  slot_names "$1"
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    case $ns in "$HUB" | "$PREFIX"[0-9]*) stop_netns "$ns" ;; esac
  done
  ip route del blackhole "$CIDR" 2>/dev/null || true
  rm -rf /tmp/ompi."$PREFIX"[0-9]*.* /dev/shm/vader_segment."$PREFIX"[0-9]*.*
}

# claim a free slot: sets SLOT; the lock holds the owner's pid and DIR
claim_slot() {
  local s owner start lock
  mkdir -p "$LOCKS"
  # first, clusters whose owner has gone (a test killed outright): tear them down
  for lock in "$LOCKS"/slot-*; do
    [ -d "$lock" ] || continue
    owner=$(cat "$lock/owner" 2>/dev/null || true)
    # no owner yet: a lock being written by a starting run
    [ -n "$owner" ] && ! alive "$owner" || continue
    s=${lock##*/slot-}
    # renaming is atomic: of two runs reclaiming the same slot, one tears it down
    mv "$lock" "$LOCKS/stale-$s.$$" 2>/dev/null || continue
    echo "nodes.sh: slot $s was left by pid $owner (gone): tearing it down" >&2
    wipe_slot "$s"
    rm -rf "$LOCKS/stale-$s.$$"
  done
  start=$(( ($$ % 250) + 1 ))
  for i in $(seq 0 249); do
    s=$(( ((start + i - 1) % 250) + 1 ))
    mkdir "$LOCKS/slot-$s" 2>/dev/null || continue
    slot_names "$s"
    # someone else's namespaces or a subnet the host uses: not ours to take
    if [ -e "/run/netns/$HUB" ] || [ -e "/run/netns/${PREFIX}1" ] ||
       [ -n "$(ip route show "$CIDR"; ip -4 addr show to "$CIDR")" ]; then
      rmdir "$LOCKS/slot-$s"; continue
    fi
    echo "$D" > "$LOCKS/slot-$s/dir"
    echo "${NODES_OWNER:-$PPID}" > "$LOCKS/slot-$s/owner"
    SLOT=$s; return 0
  done
  die "no free slot in $LOCKS (250 clusters?)"
}

up() {
  local n=${1:-3} i node
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 32 ] || die "N must be 1..32, not '$n'"
  [ ! -e "$D/nodes.env" ] || die "$D already holds a cluster: nodes.sh down it first"
  claim_slot
  NODES=$(seq -f "$PREFIX%g" 1 "$n" | tr '\n' ' '); NODES=${NODES% }
  cat > "$D/nodes.env" <<EOF
SLOT=$SLOT
PREFIX=$PREFIX
HUB=$HUB
NODES="$NODES"
HEAD=${PREFIX}1
SUBNET=$SUBNET
CIDR=$CIDR
EOF
  # from here on a failure removes what was made
  trap 'echo "nodes.sh: up failed; tearing down" >&2; down >&2' ERR
  ip route add blackhole "$CIDR"
  # IPv6 off: only the IPv4 subnet exists between nodes, nothing else to pick by mistake
  no_ipv6() { ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; }
  ip netns add "$HUB"; no_ipv6 "$HUB"
  ip netns exec "$HUB" sysctl -qw net.ipv4.ip_forward=0
  ip -n "$HUB" link add sw0 type bridge
  ip -n "$HUB" link set sw0 up
  : > "$D/nodes"; : > "$D/hostfile"; echo "127.0.0.1 localhost" > "$D/hosts"
  for i in $(seq 1 "$n"); do echo "$SUBNET.$i $PREFIX$i" >> "$D/hosts"; done
  for i in $(seq 1 "$n"); do
    node=$PREFIX$i
    ip netns add "$node"; no_ipv6 "$node"
    # both ends are made inside their namespaces, so the pair never appears in the host's
    ip link add name "p$i" netns "$HUB" type veth peer name eth0 netns "$node"
    ip -n "$HUB" link set "p$i" master sw0 up
    ip -n "$node" link set lo up
    ip -n "$node" addr add "$SUBNET.$i/24" dev eth0
    ip -n "$node" link set eth0 up
    echo "$node $SUBNET.$i" >> "$D/nodes"
    echo "$node slots=1" >> "$D/hostfile"
  done
  write_helpers
  trap - ERR
}

write_helpers() {
  cat > "$D/run-on" <<'EOF'
#!/bin/sh
# run-on NODE CMD [ARGS...]: CMD inside NODE's network namespace, in a new UTS namespace
# whose host name is NODE and a mount namespace where /etc/hosts lists the nodes. Distinct
# host names matter: Open MPI tells nodes apart by name (and names its shared-memory
# segments after it), and so do SLURM and MPI_Get_processor_name. nsenter, not
# "ip netns exec": that remounts /sys, hiding /sys/fs/cgroup, and slurmd then refuses to run.
d=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: run-on NODE CMD [ARGS...]" >&2; exit 2; }
node=$(awk -v h="$1" '$1 == h || $2 == h { print $1; exit }' "$d/nodes")
[ -n "$node" ] || { echo "run-on: no node '$1' in $d/nodes" >&2; exit 2; }
shift
exec nsenter --net="/run/netns/$node" unshare --uts --mount --propagation slave /bin/sh -c \
  'mount --bind "$1" /etc/hosts && hostname "$0" && shift && exec "$@"' "$node" "$d/hosts" "$@"
EOF
  cat > "$D/rsh-agent" <<'EOF'
#!/bin/sh
# Stands in for ssh (mpirun --mca plm_rsh_agent): called as "rsh-agent [-opts] HOST WORDS...",
# where WORDS are one remote shell command line (with quotes), so they go to sh -c as one
# string. Like ssh it starts the remote side with a near-empty environment: a variable
# reaches ranks on other nodes only through mpirun -x (mpirun-nodes forwards a few).
d=$(cd "$(dirname "$0")" && pwd)
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
host=$1; shift
exec env -i HOME="${HOME:-/root}" USER="${USER:-root}" LOGNAME="${LOGNAME:-root}" PATH="$PATH" \
  LANG="${LANG:-C}" "$d/run-on" "$host" /bin/sh -c "$*"
EOF
  cat > "$D/mpirun-nodes" <<'EOF'
#!/bin/sh
# mpirun-nodes [mpirun options] PROG [ARGS]: mpirun on the head node, daemons started on the
# other nodes through rsh-agent. TCP only, on the nodes' subnet (NODES_BTL=tcp,vader,self
# adds shared memory between ranks of one node). --bind-to none: every node sees the same
# two cores, so binding would pin the first rank of each node to core 0. Yield when idle:
# ranks spinning on TCP on an oversubscribed machine would starve each other.
d=$(cd "$(dirname "$0")" && pwd)
. "$d/nodes.env"
[ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fwd=
for v in OPENBLAS_NUM_THREADS OMP_NUM_THREADS ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS WSHARE_IO; do
  eval "[ -n \"\${$v+set}\" ]" && fwd="$fwd -x $v"
done
# shellcheck disable=SC2086  # $fwd: one word per option
exec "$d/run-on" "$HEAD" mpirun --hostfile "$d/hostfile" \
  --mca plm_rsh_agent "$d/rsh-agent" --mca plm_rsh_no_tree_spawn 1 \
  --mca oob_tcp_if_include "$CIDR" --mca btl_tcp_if_include "$CIDR" \
  --mca pml ob1 --mca btl "${NODES_BTL:-tcp,self}" --mca mpi_yield_when_idle 1 \
  --bind-to none $fwd "$@"
EOF
  chmod +x "$D/run-on" "$D/rsh-agent" "$D/mpirun-nodes"
}

slurm() {
  local S=$D/slurm hw n ready=
  . "$D/nodes.env"
  for b in munged slurmctld slurmd srun sinfo; do
    command -v "$b" >/dev/null 2>&1 || die "cannot start SLURM: $b not found (slurm-wlm, munge)"
  done
  [ ! -e "$S/run/slurmctld.pid" ] || die "SLURM already started in $S"
  # munge's socket path must stay under 108 bytes
  [ ${#S} -lt 70 ] || die "cannot start SLURM: $D is too long a path for munge's socket"
  mkdir -p "$S"/{log,run,munge,spool/ctld}
  for n in $NODES; do mkdir -p "$S/spool/$n" "$S/tmp/$n"; done
  chmod 755 "$D" "$S" "$S/munge"        # munged wants its socket directory reachable
  dd if=/dev/urandom of="$S/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$S/munge/munge.key"
  hw=$(slurmd -C | sed -n 1p | sed 's/^NodeName=[^ ]* //; s/ UpTime=.*//')   # CPUs=.. RealMemory=..
  {
    cat <<EOF
ClusterName=wsm$SLOT
SlurmctldHost=$HEAD($SUBNET.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# its own munged (socket and key in this directory); cred_expire: how long a requeued job
# waits before it may start again (SLURM's default, 120 s, is too slow for tests)
AuthInfo=socket=$S/munge/munge.socket,cred_expire=${NODES_CRED_EXPIRE:-5}
StateSaveLocation=$S/spool/ctld
SlurmctldPidFile=$S/run/slurmctld.pid
SlurmctldLogFile=$S/log/slurmctld.log
# every node shares this machine's file system: per-node paths (%n = node name). TmpFS holds
# mpi/pmix's spmix_appdir_<uid>_<job>.<step>, the same name on every node of a step.
SlurmdSpoolDir=$S/spool/%n
SlurmdPidFile=$S/run/slurmd-%n.pid
SlurmdLogFile=$S/log/slurmd-%n.log
TmpFS=$S/tmp/%n
JobCompType=jobcomp/none
Include $(cd "$(dirname "$0")" && pwd)/slurm_test.conf
EOF
    while read -r n addr; do echo "NodeName=$n NodeAddr=$addr $hw State=UNKNOWN"; done < "$D/nodes"
    echo "PartitionName=nodes Nodes=${NODES// /,} Default=YES MaxTime=INFINITE State=UP"
  } > "$S/slurm.conf"
  cat > "$S/on-head" <<'EOF'
#!/bin/sh
# on-head CMD [ARGS...]: a SLURM client command (sbatch, srun, squeue, scontrol...) run on
# the head node; from the host namespace the controller cannot be reached, by design.
s=$(cd "$(dirname "$0")" && pwd)
. "$s/../nodes.env"
SLURM_CONF=$s/slurm.conf exec "$s/../run-on" "$HEAD" "$@"
EOF
  chmod +x "$S/on-head"
  export SLURM_CONF=$S/slurm.conf
  # on the head node too (a unix socket path is reachable from every namespace), so that
  # every process of the cluster lives in its namespaces
  "$D/run-on" "$HEAD" munged --socket="$S/munge/munge.socket" --key-file="$S/munge/munge.key" \
    --pid-file="$S/munge/munged.pid" --seed-file="$S/munge/munged.seed" \
    --log-file="$S/log/munged.log" </dev/null >"$S/log/munged.out" 2>&1 ||
    die "cannot start SLURM: munged: $(tail -n 1 "$S/log/munged.out")"
  # both daemonize; -c: no job state from an earlier run
  "$D/run-on" "$HEAD" slurmctld -c -f "$SLURM_CONF" </dev/null >"$S/log/slurmctld.out" 2>&1 ||
    die "cannot start SLURM: slurmctld: $(tail -n 1 "$S/log/slurmctld.out")"
  for n in $NODES; do
    "$D/run-on" "$n" slurmd -f "$SLURM_CONF" -N "$n" </dev/null >"$S/log/slurmd-$n.out" 2>&1 ||
      die "cannot start SLURM: slurmd on $n: $(tail -n 1 "$S/log/slurmd-$n.out")"
  done
  n=$(echo "$NODES" | wc -w)
  for _ in $(seq 1 160); do
    [ "$("$S/on-head" sinfo -h -t idle -o %D 2>/dev/null)" = "$n" ] && break
    sleep 0.25
  done
  # idle is not yet ready: a job step on every node is
  timeout 60 "$S/on-head" srun -N "$n" -t 1 -J ready-probe true >"$S/log/ready-probe.out" 2>&1 && ready=1
  [ -n "$ready" ] || die "SLURM not usable: $(tail -n 1 "$S/log/ready-probe.out"); logs in $S/log"
}

# stop_netns NS: every process inside namespace NS (TERM, then KILL after 5 s), then NS
stop_netns() {
  local ns=$1 pids p left=
  pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ') || true
  if [ -n "${pids// /}" ]; then
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 1 20); do
      left=; for p in $pids; do alive "$p" && left="$left $p"; done
      [ -n "$left" ] || break
      sleep 0.25
    done
    # shellcheck disable=SC2086
    [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
  fi
  ip netns del "$ns" 2>/dev/null || true
}

# stop_pidfile NAME FILE: TERM the pid in FILE if it still is program NAME; KILL after 10 s
stop_pidfile() {
  local p
  p=$(cat "$2" 2>/dev/null) || return 0
  [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ] || return 0
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 40); do alive "$p" || return 0; sleep 0.25; done
  kill -KILL "$p" 2>/dev/null || true
}

down() {
  local S=$D/slurm n p self ids="" lock
  [ -f "$D/nodes.env" ] || return 0
  . "$D/nodes.env"
  # 1. SLURM: cancel jobs while the daemons run, then slurmd, slurmctld and munged by pid file
  if [ -f "$S/slurm.conf" ]; then
    if [ -s "$S/run/slurmctld.pid" ] && alive "$(cat "$S/run/slurmctld.pid")"; then
      ids=$(timeout 10 "$S/on-head" squeue -h -o %i 2>/dev/null | tr '\n' ' ') || true
      if [ -n "${ids// /}" ]; then
        # shellcheck disable=SC2086
        timeout 10 "$S/on-head" scancel $ids 2>/dev/null || true
        for _ in $(seq 1 30); do
          [ -z "$(timeout 5 "$S/on-head" squeue -h -o %i 2>/dev/null)" ] && break
          sleep 0.5
        done
      fi
    fi
    for n in $NODES; do stop_pidfile slurmd "$S/run/slurmd-$n.pid"; done
    stop_pidfile slurmctld "$S/run/slurmctld.pid"
    stop_pidfile munged "$S/munge/munged.pid"
  fi
  # 2. every process left in the namespaces (orted, ranks, slurmstepd), then the namespaces;
  #    the veths and the bridge go with them
  for n in $NODES $HUB; do [ ! -e "/run/netns/$n" ] || stop_netns "$n"; done
  # 3. by name: processes outside the namespaces that name this cluster's directory (a
  #    mpirun-nodes or a timeout around it); never this script or its callers
  self=" $$ "; p=$$
  while [ "$p" -gt 1 ]; do p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null || echo 1); self="$self$p "; done
  ids=
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    case $self in *" $p "*) continue ;; esac
    tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline" | grep -qF -- "$D/" && ids="$ids $p"
  done
  # shellcheck disable=SC2086
  [ -z "$ids" ] || kill -KILL $ids 2>/dev/null || true
  ip route del blackhole "$CIDR" 2>/dev/null || true
  # 4. Open MPI's session directories and shared-memory segments are named after the host
  for n in $NODES; do rm -rf /tmp/ompi."$n".* /dev/shm/vader_segment."$n".*; done
  lock=$LOCKS/slot-$SLOT
  [ "$(cat "$lock/dir" 2>/dev/null)" != "$D" ] || rm -rf "$lock"
  rm -f "$D/nodes.env"
}

[ $# -ge 1 ] || { sed -n 2,36p "$0" >&2; exit 2; }
case $1 in
  probe) probe ;;
  up | slurm | down)
    [ $# -ge 2 ] || die "usage: nodes.sh $1 DIR"
    [ "$1" = up ] && mkdir -p "$2"
    D=$(cd "$2" 2>/dev/null && pwd) || die "no such directory: $2"
    case $1 in
      up) up "${3:-3}" ;;
      slurm) slurm ;;
      down) down; [ "${3:-}" != --rm ] || rm -rf "$D" ;;
    esac ;;
  *) sed -n 2,36p "$0" >&2; exit 2 ;;
esac
