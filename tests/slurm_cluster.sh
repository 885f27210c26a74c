#!/bin/bash
# Private single-node SLURM cluster (munged + slurmctld + slurmd) on 127.0.0.1, for tests.
#
#   tests/slurm_cluster.sh start DIR   start it, wait until a job step really runs; exit 0
#                                      or non-zero with a one-line reason on stderr
#   tests/slurm_cluster.sh stop DIR [--rm]
#                                      stop every process it started, by PID; --rm deletes DIR
#   tests/slurm_cluster.sh status DIR  exit 0 if all three daemons are alive
#
# After start:  source DIR/env.sh   (exports SLURM_CONF) then sbatch/srun/squeue as usual.
# DIR must be short (munge's socket path must stay under 108 chars), e.g. $(mktemp -d /tmp/slurm.XXXX).
# Env: TEST_SLURM_CRED_EXPIRE (default 10) = seconds a requeued job waits before it can run again.
# Ports: SLURMCTLD_PORT / SLURMD_PORT, default = two free ports, so several clusters
# (other tests, other users of the machine) can run side by side.
# Runs as root (SlurmUser = the caller; as non-root jobs can only run as the caller).
set -euo pipefail

die() { echo "slurm_cluster: $*" >&2; exit 1; }
usage() { echo "usage: $0 start|stop|status DIR [--rm]" >&2; exit 2; }

[ $# -ge 2 ] || usage
CMD=$1
[ "$CMD" = start ] && { mkdir -p "$2" || die "cannot start: cannot create $2"; }
D=$(cd "$2" 2>/dev/null && pwd) || die "no such directory: $2"
# our cluster only: drop settings of any SLURM job we may be running inside
for v in $(env | sed -n 's/^\(\(SLURM\|SBATCH\|SRUN\|SALLOC\)_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export SLURM_CONF=$D/etc/slurm.conf
PIDS=$D/run/started.pids           # "name pid" per line, every daemon we started

# alive and not a zombie (here PID 1 may not reap daemons that exited, so kill -0 is not enough)
alive() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# pid recorded for NAME, only if that process is still alive and still NAME (guards PID reuse)
live_pid() {
  local name=$1 p
  p=$(awk -v n="$name" '$1 == n {p = $2} END {print p}' "$PIDS" 2>/dev/null) || true
  alive "$p" || return 1
  grep -qa "$name" "/proc/$p/cmdline" 2>/dev/null || return 1
  echo "$p"
}

# read a daemon's pid file (bounded wait) and record it
record_pid() {
  local name=$1 pf=$2 p=
  for _ in $(seq 1 40); do
    p=$(cat "$pf" 2>/dev/null || true)
    alive "$p" && break
    [ -n "$p" ] && return 1          # wrote its pid file, then died
    sleep 0.25
  done
  alive "$p" || return 1
  [ -n "$p" ] || return 1
  echo "$name $p" >> "$PIDS"
}

# two listening ports nobody uses now (small race with other starters; fine for tests)
free_ports() {
  local used p n=0 base
  used=" $(ss -Htln 2>/dev/null | awk '{sub(/.*:/, "", $4); printf "%s ", $4}') "
  base=$(( 20000 + ($$ * 7) % 20000 ))
  for p in $(seq "$base" $((base + 400))); do
    case $used in *" $p "*) continue ;; esac
    echo "$p"; n=$((n + 1)); [ $n -eq 2 ] && return 0
  done
  return 1
}

# the line of a log that explains a failure: last fatal/error line, else the last line
last_log_line() {
  { grep -E 'fatal|error|Error' "$1" 2>/dev/null || tail -n 1 "$1" 2>/dev/null; } | tail -n 1 | cut -c1-200
}

start() {
  local b H NODE CP DP ports t0 st
  for b in munged slurmctld slurmd sbatch srun sinfo squeue scontrol scancel; do
    command -v "$b" >/dev/null 2>&1 || die "cannot start: $b not found (install slurm-wlm and munge)"
  done
  [ ${#D} -lt 80 ] || die "cannot start: directory path too long for munge socket: $D"
  for b in munged slurmctld slurmd; do
    live_pid "$b" >/dev/null && die "cannot start: a cluster already runs in $D ($b alive)"
  done
  H=$(hostname -s)
  CRED_EXPIRE=${TEST_SLURM_CRED_EXPIRE:-10}
  mkdir -p "$D"/{etc,log,run,munge,tmp,spool/ctld,spool/d}
  : > "$PIDS"
  chmod 755 "$D" "$D/munge"      # munged wants its socket dir reachable (mktemp -d makes 0700)
  if [ ! -f "$D/munge/munge.key" ]; then
    dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$D/munge/munge.key"
  fi
  NODE=$(slurmd -C 2>/dev/null | sed -n 1p)   # NodeName=<host> CPUs=.. RealMemory=..
  [ -n "$NODE" ] || die "cannot start: 'slurmd -C' printed nothing"
  if [ -n "${SLURMCTLD_PORT:-}" ] && [ -n "${SLURMD_PORT:-}" ]; then
    CP=$SLURMCTLD_PORT; DP=$SLURMD_PORT
  else
    ports=$(free_ports) || die "cannot start: no free TCP port found"
    CP=$(echo "$ports" | sed -n 1p); DP=$(echo "$ports" | sed -n 2p)
  fi
  # cred_expire: a requeued job stays pending for this long (default 120 s, too slow for tests).
  # The rest of the policy (requeue allowed, no cgroups, quick scheduling) is slurm_test.conf.
  cat > "$SLURM_CONF" <<EOF
ClusterName=wsharetest
SlurmctldHost=$H(127.0.0.1)
SlurmctldPort=$CP
SlurmdPort=$DP
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.socket,cred_expire=$CRED_EXPIRE
StateSaveLocation=$D/spool/ctld
SlurmdSpoolDir=$D/spool/d
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
JobCompType=jobcomp/filetxt
JobCompLoc=$D/log/jobcomp.txt
Include $(cd "$(dirname "$0")" && pwd)/slurm_test.conf
$NODE NodeAddr=127.0.0.1 NodeHostname=$H State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
EOF
  # pmix's per-step dirs default to /tmp and would collide between clusters (job ids restart at 1)
  echo "PMIxCliTmpDirBase=$D/tmp" > "$D/etc/mpi.conf"
  echo "export SLURM_CONF=$SLURM_CONF" > "$D/env.sh"
  t0=$(date +%s%N)
  rm -f "$D/munge/munged.pid" "$D/run/slurmctld.pid" "$D/run/slurmd.pid"   # stale ones would mislead record_pid

  munged --socket="$D/munge/munge.socket" --key-file="$D/munge/munge.key" \
         --pid-file="$D/munge/munged.pid" --seed-file="$D/munge/munged.seed" \
         --log-file="$D/log/munged.log" </dev/null >"$D/log/munged.out" 2>&1 \
    || die "cannot start: munged failed: $(last_log_line "$D/log/munged.out")"
  record_pid munged "$D/munge/munged.pid" || die "cannot start: munged did not write its pid file"

  # Both daemonize and write their pid files. -c: start with empty job state.
  slurmctld -c -f "$SLURM_CONF" </dev/null >"$D/log/slurmctld.out" 2>&1 \
    || { stop >/dev/null 2>&1; die "cannot start: slurmctld failed: $(last_log_line "$D/log/slurmctld.out")"; }
  record_pid slurmctld "$D/run/slurmctld.pid" \
    || { stop >/dev/null 2>&1; die "cannot start: slurmctld died: $(last_log_line "$D/log/slurmctld.log")"; }
  slurmd -N "$H" -f "$SLURM_CONF" </dev/null >"$D/log/slurmd.out" 2>&1 \
    || { stop >/dev/null 2>&1; die "cannot start: slurmd failed: $(last_log_line "$D/log/slurmd.out")"; }
  record_pid slurmd "$D/run/slurmd.pid" \
    || { stop >/dev/null 2>&1; die "cannot start: slurmd died: $(last_log_line "$D/log/slurmd.log")"; }

  st=
  for _ in $(seq 1 120); do           # <= 30 s for the node to register
    st=$(sinfo -h -n "$H" -o %T 2>/dev/null || true)
    [ "$st" = idle ] && break
    for b in munged slurmctld slurmd; do
      live_pid "$b" >/dev/null || { stop >/dev/null 2>&1; die "cannot start: $b exited, see $D/log"; }
    done
    sleep 0.25
  done
  [ "$st" = idle ] || { stop >/dev/null 2>&1; die "cannot start: node state '${st:-none}' after 30 s, see $D/log"; }
  # 'idle' comes a few seconds before a job can really start: readiness = a real job step ran
  if ! timeout 60 srun -n1 -t1 -J ready-probe true >"$D/log/ready-probe.out" 2>&1; then
    stop >/dev/null 2>&1
    die "cannot start: probe job step failed: $(last_log_line "$D/log/ready-probe.out")"
  fi
  echo "slurm_cluster: up in $(( ($(date +%s%N) - t0) / 1000000 )) ms, ports $CP/$DP," \
       "pids $(awk '{printf "%s=%s ", $1, $2}' "$PIDS")- source $D/env.sh"
}

# descendants of the given pids (all generations)
descendants() {
  local cur="$*" all='' next
  while [ -n "${cur// /}" ]; do
    next=$(ps -eo pid=,ppid= | awk -v s=" $cur " 'index(s, " " $2 " ") > 0 {printf "%s ", $1}')
    all="$all $next"; cur=$next
  done
  echo "$all"
}

stop() {
  local p name ids steps jobs self pid penv
  # 1. cancel jobs while the daemons still run, so slurmstepd and job processes end cleanly
  if live_pid slurmctld >/dev/null && live_pid slurmd >/dev/null; then
    ids=$(timeout 10 squeue -h -o %i 2>/dev/null || true)
    if [ -n "$ids" ]; then
      # shellcheck disable=SC2086
      timeout 10 scancel $ids 2>/dev/null || true
      for _ in $(seq 1 40); do
        [ -z "$(timeout 5 squeue -h -t R,CG,PD,RQ,RS,S -o %i 2>/dev/null || true)" ] && break
        sleep 0.5
      done
    fi
  fi
  # 2. the daemons we started, by recorded PID: TERM, then KILL after 10 s
  for name in slurmd slurmctld munged; do
    p=$(live_pid "$name") || continue
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 40); do alive "$p" || break; sleep 0.25; done
    if alive "$p"; then kill -KILL "$p" 2>/dev/null || true; fi
  done
  # 3. leftovers: our slurmstepds (they hold $D/log/slurmd.log open) and their descendants,
  #    plus job processes orphaned from them (their environment names our SLURM_CONF and a job)
  self=" $$ $PPID "
  steps=$(find /proc/[0-9]*/fd -maxdepth 1 -lname "$D/log/slurmd.log*" 2>/dev/null | cut -d/ -f3 | sort -u | tr '\n' ' ')  || true
  jobs=
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    case $self in *" $pid "*) continue ;; esac
    penv=$(tr '\0' '\n' 2>/dev/null < "/proc/$pid/environ") || continue
    penv=$'\n'"$penv"$'\n'
    case $penv in *$'\n'"SLURM_CONF=$SLURM_CONF"$'\n'*) ;; *) continue ;; esac
    case $penv in *$'\n'SLURM_JOB_ID=*) ;; *) continue ;; esac
    jobs="$jobs $pid"
  done
  # shellcheck disable=SC2046,SC2086  # pid lists: word splitting intended
  ids=$(echo $steps $jobs $(descendants $steps $jobs) | tr ' ' '\n' | grep -E '^[0-9]+$' | sort -un \
        | awk -v s="$self" 'index(s, " " $1 " ") == 0' | tr '\n' ' ') || true
  if [ -n "${ids// /}" ]; then
    echo "slurm_cluster: killing leftover pids: $ids" >&2
    # shellcheck disable=SC2086
    kill -KILL $ids 2>/dev/null || true
  fi
  return 0
}

case $CMD in
  start) start ;;
  stop)
    stop
    [ "${3:-}" = --rm ] && rm -rf "$D"
    exit 0 ;;
  status)
    for b in munged slurmctld slurmd; do live_pid "$b" >/dev/null || { echo "$b not running"; exit 1; }; done
    echo "running: $(awk '{printf "%s=%s ", $1, $2}' "$PIDS")" ;;
  *) usage ;;
esac
