#!/usr/bin/env bash
# Stops the dockerd that scripts/docker-start.sh started (by its recorded
# PID, never by name) and puts the host back the way it was: Docker leaves
# the docker0 link, its iptables chains and rules, ip_forward=1, the FORWARD
# policy DROP and a bind mount on /var/lib/docker behind even after a clean
# stop (../shared/docker.md). Does nothing when no PID was recorded (an
# engine that was already running is left alone). Safe to run twice.
#
# Environment: SHOAL_DOCKERD_STATE as for docker-start.sh.
set -uo pipefail

state=${SHOAL_DOCKERD_STATE:-/tmp/shoal-dockerd}
pidfile="$state/dockerd.pid"
if [ ! -f "$pidfile" ]; then
  echo "docker-stop: no dockerd started by us; nothing to do"
  exit 0
fi
pid=$(cat "$pidfile")
# Only signal it while it is still dockerd (PIDs get reused).
if [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = dockerd ]; then
  kill -TERM "$pid"
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "docker-stop: dockerd $pid still running after 30 s; SIGKILL"
    kill -KILL "$pid"
    sleep 1
  fi
fi
rm -f "$pidfile"

# --- host leftovers ---------------------------------------------------------
# Rules Docker added to the built-in chains, then Docker's own chains.
for table in filter nat; do
  iptables -t "$table" -S 2>/dev/null |
    grep -E '^-A (FORWARD|INPUT|OUTPUT|PREROUTING|POSTROUTING) ' |
    grep -E 'DOCKER|docker0|docker_gwbridge|br-[0-9a-f]{12}' |
    while read -r line; do
      # shellcheck disable=SC2086
      iptables -t "$table" ${line/-A /-D } 2>/dev/null || true
    done
  for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^DOCKER/ {print $2}'); do
    iptables -t "$table" -F "$chain" 2>/dev/null || true
  done
  for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^DOCKER/ {print $2}'); do
    iptables -t "$table" -X "$chain" 2>/dev/null || true
  done
done
if [ -s "$state/forward_policy.before" ]; then
  iptables -P FORWARD "$(cat "$state/forward_policy.before")" 2>/dev/null || true
fi
if [ -f "$state/ip_forward.before" ]; then
  cat "$state/ip_forward.before" >/proc/sys/net/ipv4/ip_forward 2>/dev/null || true
fi
# Links: docker0 (unless it existed before), user-defined bridges and
# Swarm's docker_gwbridge.
if [ "$(cat "$state/docker0.before" 2>/dev/null || echo 0)" = 0 ]; then
  ip link del docker0 2>/dev/null || true
fi
for br in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' |
            grep -E '^(br-[0-9a-f]{12}|docker_gwbridge)$'); do
  ip link del "$br" 2>/dev/null || true
done
# dockerd bind-mounts /var/lib/docker on itself; the data stays on disk.
while mountpoint -q /var/lib/docker 2>/dev/null; do
  umount /var/lib/docker 2>/dev/null || umount -l /var/lib/docker 2>/dev/null || break
done
echo "docker-stop: dockerd $pid stopped, host cleaned"
