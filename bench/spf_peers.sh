#!/usr/bin/env bash
# SPF peers on the same zone data. libspf2's spfquery reads /etc/resolv.conf and asks port 53
# only, so this runs inside its own network and mount namespace (notes/mail-checks.md section 6):
#   unshare --net --mount bench/spf_peers.sh FLEET_DIR BIN_DIR WORK_DIR REPEAT
# Knot serves FLEET_DIR on 127.0.0.1:53 there; every tool gets the case file FLEET_DIR/spf-cases.txt
# (the first SPF_CASES lines, copied to WORK_DIR/spf-cases.txt by run.sh) in one process (spfquery's -file / --file batch mode, our mdo-bench-spf), REPEAT times.
# Prints "tool=... run=K evals_per_s=... cpu_us_per_eval=... pass=... fail=..." lines
# (bench/spf_measure.py: every tool timed from outside, CPU from the kernel).
set -euo pipefail
fleet=$1 bin=$2 work=$3 repeat=$4
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

ip link set lo up
echo "nameserver 127.0.0.1" > "$work/resolv.conf"
mount --bind "$work/resolv.conf" /etc/resolv.conf
run="$work/knot-spf"
rm -rf "$run"
mkdir -p "$run"
knot_conf "$fleet" 53 "$run"
knot_start "$run" "$fleet" 53
trap knot_stop EXIT

python3 "$here/spf_measure.py" "$bin" "$work" "$repeat"
