#!/usr/bin/env bash
# Starts Debian's dockerd in the background for the container tests and
# records its PID, so that scripts/docker-stop.sh stops exactly that process
# (never by name). When a Docker engine already answers, nothing is started
# and no PID is recorded: the stop script then leaves that engine alone.
#
# Environment:
#   SHOAL_DOCKERD_STATE  directory for the PID file and log
#                        (default /tmp/shoal-dockerd)
set -euo pipefail

state=${SHOAL_DOCKERD_STATE:-/tmp/shoal-dockerd}
mkdir -p "$state"

if docker info >/dev/null 2>&1; then
  # Ours only if the recorded PID is a live dockerd (an earlier start that
  # was not stopped); otherwise forget the stale record so that the stop
  # script leaves this engine alone.
  pid=$(cat "$state/dockerd.pid" 2>/dev/null || true)
  if [ -z "$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
    rm -f "$state/dockerd.pid"
    echo "docker-start: an engine is already running; using it (not ours: left running)"
  else
    echo "docker-start: our dockerd pid $pid is already running"
  fi
  exit 0
fi
# What we change on the host, so that docker-stop.sh can put it back.
cat /proc/sys/net/ipv4/ip_forward >"$state/ip_forward.before"
ip link show docker0 >/dev/null 2>&1 && echo 1 >"$state/docker0.before" || echo 0 >"$state/docker0.before"
iptables -S FORWARD 2>/dev/null | awk '$1 == "-P" {print $3}' >"$state/forward_policy.before" || true

# A plain background command, so that $! is dockerd's own PID.
dockerd >"$state/dockerd.log" 2>&1 &
echo $! >"$state/dockerd.pid"
for _ in $(seq 1 100); do
  if docker info >/dev/null 2>&1; then
    echo "docker-start: dockerd pid $(cat "$state/dockerd.pid") answers"
    exit 0
  fi
  if ! kill -0 "$(cat "$state/dockerd.pid")" 2>/dev/null; then
    echo "docker-start: dockerd exited; log:"
    tail -20 "$state/dockerd.log"
    rm -f "$state/dockerd.pid"
    exit 1
  fi
  sleep 0.2
done
echo "docker-start: dockerd did not answer within 20 s; log:"
tail -20 "$state/dockerd.log"
exit 1
