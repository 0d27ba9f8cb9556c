# Shell helpers for bench/run.sh: Knot on loopback serving a generated fleet, figure parsing.
# shellcheck shell=bash

# knot_conf FLEET_DIR PORT RUN_DIR: a knotd config serving every zone of FLEET_DIR/zones.list.
# One UDP worker: the server's limit is then one core, leaving the other to the client.
knot_conf() {
  local fleet=$1 port=$2 run=$3
  mkdir -p "$run/db"
  {
    echo "server:"
    echo "    rundir: \"$run\""
    echo "    pidfile: \"$run/knot.pid\""
    echo "    listen: 127.0.0.1@$port"
    echo "    udp-workers: 1"
    echo "    tcp-workers: 1"
    echo "    background-workers: 2"
    echo "log:"
    echo "  - target: stderr"
    echo "    any: warning"
    echo "database:"
    echo "    storage: \"$run/db\""
    echo "control:"
    echo "    listen: \"$run/knot.sock\""
    echo "template:"
    echo "  - id: default"
    echo "    storage: \"$fleet/zones\""
    echo "    file: \"%s.zone\""
    echo "    journal-content: none"
    echo "    zonefile-sync: -1"
    echo "zone:"
    sed 's/^/  - domain: /' "$fleet/zones.list"
  } > "$run/knot.conf"
}

# knot_start RUN_DIR FLEET_DIR PORT: starts knotd, waits until the last generated zone answers.
# Sets KNOT_PID.
knot_start() {
  local run=$1 fleet=$2 port=$3
  knotd -c "$run/knot.conf" 2> "$run/knotd.log" &
  KNOT_PID=$!
  local first last deadline=$((SECONDS + 300))
  first=$(head -1 "$fleet/zones.list")
  last=$(tail -1 "$fleet/zones.list")
  local middle
  middle=$(sed -n "$(( $(wc -l < "$fleet/zones.list") / 2 ))p" "$fleet/zones.list")
  while ((SECONDS < deadline)); do
    if knot_answers "$port" "$first" && knot_answers "$port" "$middle" &&
       knot_answers "$port" "$last"; then
      return 0
    fi
    kill -0 "$KNOT_PID" 2>/dev/null || { cat "$run/knotd.log" >&2; return 1; }
    sleep 0.2
  done
  echo "knotd did not load the zones in time" >&2
  return 1
}

knot_answers() {
  kdig +timeout=1 +retry=0 @"127.0.0.1" -p "$1" "$2" SOA 2>/dev/null | grep -q 'status: NOERROR'
}

knot_stop() {
  [[ -n "${KNOT_PID:-}" ]] || return 0
  kill "$KNOT_PID" 2>/dev/null || true
  wait "$KNOT_PID" 2>/dev/null || true
  KNOT_PID=
}

# free_port: a loopback UDP+TCP port nobody listens on now.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# figure FILE KEY: the value of "KEY=value" in FILE.
figure() { sed -n "s/^$2=//p" "$1" | head -1; }

# median V1 V2 ...: the median of numbers.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
