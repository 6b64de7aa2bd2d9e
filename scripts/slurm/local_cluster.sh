#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, for CI and for trying
# scripts/slurm/submit.sh without a cluster:
#
#   scripts/slurm/local_cluster.sh start    # install if needed, start munged, slurmctld, slurmd
#   eval "$(scripts/slurm/local_cluster.sh env)"   # SLURM_CONF for sbatch/squeue/scontrol
#   scripts/slurm/local_cluster.sh status
#   scripts/slurm/local_cluster.sh stop     # kill exactly the daemons `start` started
#
# Debian's slurm-wlm and munge (installed with apt-get when missing), as root,
# no systemd and no cgroups needed. Everything lives in one state dir,
# $TB_SLURM_DIR (default /tmp/tracer-bench-slurm): slurm.conf, spool, state,
# pid files and daemon logs. The config is found through SLURM_CONF, so /etc/slurm
# is not used. munged is the system one (key /etc/munge/munge.key, socket in
# /run/munge); if one is already running it is used and left alone by `stop`.
# Ports: TB_SLURM_CTLD_PORT (6817), TB_SLURM_SLURMD_PORT (6818).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${TB_SLURM_DIR:-/tmp/tracer-bench-slurm}
CONF=$STATE/slurm.conf
WAIT_S=${TB_SLURM_WAIT:-60}
MUNGE_PID=/run/munge/munged.pid

say() { echo "local_cluster: $*"; }
die() { echo "local_cluster: error: $*" >&2; exit 1; }

usage() {
  echo "usage: $0 start|stop|status|env" >&2
  exit 2
}

# alive PID: the process exists and is not a zombie waiting for its parent.
alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null &&
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
# ours PID NAME: PID is alive and is the daemon NAME (not a reused pid).
ours() { alive "$1" && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }
pid_of() { [ -s "$1" ] && tr -dc '0-9' <"$1" || true; }

munge_works() { command -v munge >/dev/null && munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
     command -v sbatch >/dev/null && command -v munged >/dev/null; then
    return
  fi
  [ "$(id -u)" -eq 0 ] || die "slurm-wlm/munge are missing and installing them needs root"
  say "installing slurm-wlm and munge (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
  # A package script may have started daemons with the packaged config; we run
  # our own, so stop whatever the install started (by its pid file only).
  for f in /run/slurmctld.pid /run/slurmd.pid /run/slurm/slurmctld.pid /run/slurm/slurmd.pid; do
    p=$(pid_of "$f"); if alive "$p"; then kill "$p" || true; fi
  done
}

setup_munge() {
  getent passwd munge >/dev/null || die "user 'munge' missing (is the munge package installed?)"
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge /etc/munge
  if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile=/etc/munge/munge.key --force
    else
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
}

start_munge() {
  if munge_works; then
    say "munged already running (not started here, will not be stopped here)"
    return
  fi
  # A stale pid file from a dead munged would make munged refuse to start.
  p=$(pid_of "$MUNGE_PID"); alive "$p" || rm -f "$MUNGE_PID" /run/munge/munge.socket.2.lock
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do munge_works && break; sleep 0.1; done
  munge_works || { tail -n 20 /var/log/munge/munged.log >&2 || true; die "munged did not start"; }
  # Record it as ours: `stop` kills exactly this pid.
  echo "$(pid_of "$MUNGE_PID")" >"$STATE/munged.pid"
}

write_conf() {
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(free -m | awk '/^Mem:/ {print $2}')
  mem=${TB_SLURM_MEM_MB:-$(( mem * 9 / 10 ))}   # a bit below the total, or the node is drained
  sed -e "s|@HOST@|$host|g" -e "s|@CPUS@|$cpus|g" -e "s|@MEM_MB@|$mem|g" \
      -e "s|@STATE@|$STATE|g" \
      -e "s|@CTLD_PORT@|${TB_SLURM_CTLD_PORT:-6817}|g" \
      -e "s|@SLURMD_PORT@|${TB_SLURM_SLURMD_PORT:-6818}|g" \
      "$HERE/slurm.conf.in" >"$CONF"
}

print_logs() {
  for f in "$STATE/slurmctld.log" "$STATE/slurmd.log" /var/log/munge/munged.log; do
    [ -f "$f" ] || continue
    echo "----- last lines of $f" >&2
    tail -n 25 "$f" >&2
  done
}

running_pids() {
  local n p
  for n in slurmd slurmctld munged; do
    p=$(pid_of "$STATE/$n.pid")
    if ours "$p" "$n"; then echo "$n $p"; fi
  done
}

# A start that fails prints the daemons' logs and stops what it started.
fail_start() {
  print_logs
  cmd_stop >&2
  die "$1"
}

cmd_start() {
  if [ -d "$STATE" ] && [ -n "$(running_pids)" ]; then
    die "already running from $STATE (stop it first):
$(running_pids)"
  fi
  local t0=$SECONDS
  install_packages
  rm -rf "$STATE"
  mkdir -p "$STATE/ctld" "$STATE/slurmd"
  setup_munge
  start_munge
  write_conf
  export SLURM_CONF=$CONF
  # Daemons find the config through SLURM_CONF (no -f) and daemonize, writing
  # the pid files named in slurm.conf.
  if ! slurmctld; then fail_start "slurmctld failed to start"; fi
  if ! slurmd; then fail_start "slurmd failed to start"; fi
  local host state=""
  host=$(hostname -s)
  for _ in $(seq $(( WAIT_S * 2 ))); do
    state=$(sinfo -h -N -n "$host" -o '%t' 2>/dev/null | head -n1 || true)
    [ "$state" = idle ] && break
    sleep 0.5
  done
  if [ "$state" != idle ]; then
    sinfo -N -l >&2 || true
    fail_start "node $host not idle after ${WAIT_S}s (state: '${state:-no answer}'); daemon logs above, daemons stopped"
  fi
  say "up in $(( SECONDS - t0 ))s: node $host idle, $(nproc) CPUs, state dir $STATE"
  say "for the clients: export SLURM_CONF=$CONF"
}

cmd_stop() {
  if [ ! -d "$STATE" ]; then
    say "not running (no $STATE)"
    return
  fi
  # SIGTERM to all three at once (each takes ~2 s to exit), then wait; only
  # pids from our pid files whose process still has the daemon's name.
  local n p pids=() names=()
  for n in slurmd slurmctld munged; do
    p=$(pid_of "$STATE/$n.pid")
    if ours "$p" "$n"; then
      kill "$p" && { pids+=("$p"); names+=("$n"); }
    fi
  done
  local i left
  for _ in $(seq 150); do
    left=0
    for p in ${pids[@]+"${pids[@]}"}; do alive "$p" && left=1; done
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  for i in ${pids[@]+"${!pids[@]}"}; do
    if alive "${pids[$i]}"; then kill -9 "${pids[$i]}" 2>/dev/null || true; say "killed ${names[$i]} (${pids[$i]}) with SIGKILL"
    else say "stopped ${names[$i]} (${pids[$i]})"; fi
  done
  rm -rf "$STATE"
  say "removed $STATE"
}

cmd_status() {
  if [ ! -f "$CONF" ]; then
    say "not running (no $CONF)"
    return 3
  fi
  local n p ok=0
  for n in munged slurmctld slurmd; do
    p=$(pid_of "$STATE/$n.pid")
    if [ -z "$p" ]; then
      if [ "$n" = munged ] && munge_works; then echo "$n: running (not ours)"; else echo "$n: not started here"; ok=3; fi
    elif alive "$p"; then echo "$n: running (pid $p)"
    else echo "$n: dead (pid $p)"; ok=3
    fi
  done
  SLURM_CONF=$CONF sinfo -N -o '%N %t %c %m' || ok=3
  echo "export SLURM_CONF=$CONF"
  return $ok
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) usage ;;
esac
