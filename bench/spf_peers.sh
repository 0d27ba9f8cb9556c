#!/usr/bin/env bash
# SPF peers on the same zone data. libspf2's spfquery reads /etc/resolv.conf and asks port 53
# only, so this runs inside its own network and mount namespace (notes/mail-checks.md section 6):
#   unshare --net --mount bench/spf_peers.sh FLEET_DIR BIN_DIR WORK_DIR REPEAT
# Knot serves FLEET_DIR on 127.0.0.1:53 there; every tool gets the case file FLEET_DIR/spf-cases.txt
# (the first SPF_CASES lines, copied to WORK_DIR/spf-cases.txt by run.sh) in one process (spfquery's -file / --file batch mode, our mdo-bench-spf), REPEAT times.
# Prints "tool=... evals_per_s=... pass=... fail=..." lines.
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

cases="$work/spf-cases.txt"
short="$work/spf-cases-short.txt"  # Mail::SPF manages ~30 per second

count_results() {  # FILE: "pass=N fail=N softfail=N ..." from the tools' one-word result lines
  for r in pass fail softfail neutral none permerror temperror; do
    printf '%s=%s ' "$r" "$(grep -c -x "$r" "$1" || true)"
  done
}

peer() {  # NAME CASES COMMAND...: runs a peer over a case file, prints its rate
  local name=$1 n
  n=$(wc -l < "$2")
  shift 2
  local start end
  start=$(date +%s.%N)
  "$@" > "$work/$name.out" 2>&1 || true
  end=$(date +%s.%N)
  awk -v n="$n" -v s="$start" -v e="$end" -v t="$name" \
    'BEGIN {printf "tool=%s evaluations=%d wall_s=%.3f evals_per_s=%.1f ", t, n, e - s, n / (e - s)}'
  count_results "$work/$name.out"
  echo
}

for ((i = 1; i <= repeat; i++)); do
  # Like for like: one evaluation at a time, as the peers' batch modes. Then 4 at once (the
  # operator's default workers), which the peers cannot do in one process.
  for variant in on:1 off:1 on:4; do
    cache=${variant%:*} threads=${variant#*:}
    "$bin/mdo-bench-spf" --server 127.0.0.1:53 --cases "$cases" --cache "$cache" \
      --threads "$threads" > "$work/mdo.out"
    tag=$cache
    ((threads == 1)) || tag="$cache-t$threads"
    printf 'tool=mdo-cache-%s evaluations=%s wall_s=%s evals_per_s=%s ' "$tag" \
      "$(figure "$work/mdo.out" evaluations)" "$(figure "$work/mdo.out" wall_s)" \
      "$(figure "$work/mdo.out" evals_per_s)"
    for r in pass fail softfail neutral none permerror temperror; do
      printf '%s=%s ' "$r" "$(figure "$work/mdo.out" "result_$r")"
    done
    echo
  done
  peer libspf2 "$cases" spfquery.libspf2 -file "$cases"
  peer mail-spf-perl "$short" spfquery.mail-spf-perl --file "$short"
done
