#!/usr/bin/env bash
# Runs every benchmark of DESIGN section 7 and prints each figure beside its target (issue 9).
# `make bench` calls this. Timings are measured, never asserted; the machine is shared and noisy,
# so each benchmark runs BENCH_REPEAT times and the table quotes medians.
#
# Environment (defaults in brackets):
#   BENCH_BUILD   the project build folder with the bench programs [$BUILD_DIR or build]
#   BENCH_WORK    generated fleets, Knot state, raw outputs [$BENCH_BUILD/work]
#   BENCH_REPEAT  runs per benchmark [3]
#   BENCH_SIZES   fleet sizes [1000 10000]
#   BENCH_WORKERS checking threads, as the operator's --workers [4]
#   BENCH_DOMAINS_PER_WORKER  domains in flight per thread, as --domains-per-worker [16]
#   BENCH_DNS_PASSES  passes over the query mix for the DNS engine benchmark [16]
#   SPF_CASES     SPF cases for mdo and libspf2 [3000]; Mail::SPF (~30/s) gets MAILSPF_CASES [300]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=bench/lib.sh
source bench/lib.sh

build=${BENCH_BUILD:-${BUILD_DIR:-build}}
work=${BENCH_WORK:-$build/work}
repeat=${BENCH_REPEAT:-3}
sizes=${BENCH_SIZES:-1000 10000}
workers=${BENCH_WORKERS:-4}
per_worker=${BENCH_DOMAINS_PER_WORKER:-16}
# 16 passes (368,000 questions): with 4 (~1 s) one question Knot drops and c-ares retries after
# 2 s decides the run (dnsperf leaves lost queries out of its rate); docs/dns.md.
dns_passes=${BENCH_DNS_PASSES:-16}
spf_cases=${SPF_CASES:-3000}
mailspf_cases=${MAILSPF_CASES:-300}
mkdir -p "$work"
work=$(cd "$work" && pwd)
bin="$top/$build/bin"
results="$work/results.txt"
: > "$results"

for tool in knotd kdig dnsperf spfquery.libspf2 spfquery.mail-spf-perl unshare; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing: scripts/install-deps --bench" >&2; exit 1; }
done

echo "== build ($build)"
[[ -f "$build/build.ninja" ]] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target mdo-bench-dns mdo-bench-spf mdo-bench-fleet maildomain-operator kube-testserver -j "$(nproc)"

note() { echo "$*" | tee -a "$results"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}'; }

fleet_dir() {  # N: generates the fleet once
  local dir="$work/fleet-$1"
  if [[ ! -f "$dir/lists.txt" ]]; then
    echo "== generating $1 domains in $dir" >&2
    rm -rf "$dir"
    /usr/bin/python3 bench/gen_fleet.py "$1" "$dir"
  fi
  echo "$dir"
}

serve() {  # FLEET_DIR NAME: Knot on a free port; sets PORT and KNOT_PID
  local run="$work/knot-$2"
  rm -rf "$run"
  mkdir -p "$run"
  PORT=$(free_port)
  knot_conf "$1" "$PORT" "$run"
  knot_start "$run" "$1" "$PORT"
}
trap knot_stop EXIT

# dnsperf's queries per second (EDNS0, 256 outstanding, as mdo's resolver), over PASSES passes.
# Its user+system CPU seconds go to $work/dnsperf.cpu.
dnsperf_qps() {  # QUERY_FILE PASSES
  /usr/bin/time -f '%U %S' -o "$work/dnsperf.time" \
    dnsperf -s 127.0.0.1 -p "$PORT" -d "$1" -n "$2" -q 256 -e -t 5 2>/dev/null |
    sed -n 's/^ *Queries per second: *//p'
  awk '{print $1 + $2}' "$work/dnsperf.time" > "$work/dnsperf.cpu"
}
us_per_query() { awk -v c="$1" -v n="$2" 'BEGIN {printf "%.1f", c * 1e6 / n}'; }

# ---- 1. DNS engine vs dnsperf, same Knot, same query mix --------------------------------------
first_size=${sizes%% *}
fleet=$(fleet_dir "$first_size")
serve "$fleet" dns
questions=$(( $(wc -l < "$fleet/queries.txt") * dns_passes ))
echo "== DNS engine: $questions questions per run (query mix of $fleet/queries.txt), $repeat runs"
perf_r=() wire_r=() wire9_r=() stack_r=() perf_q=() wire_q=() stack_q=() perf_c=() wire_c=()
for ((i = 1; i <= repeat; i++)); do
  p=$(dnsperf_qps "$fleet/queries.txt" "$dns_passes")
  pc=$(us_per_query "$(cat "$work/dnsperf.cpu")" "$questions")
  "$bin/mdo-bench-dns" --server "127.0.0.1:$PORT" --queries "$fleet/queries.txt" \
    --count "$questions" --in-flight 256 --stack wire > "$work/dns-wire.out"
  "$bin/mdo-bench-dns" --server "127.0.0.1:$PORT" --queries "$fleet/queries.txt" \
    --count "$questions" --in-flight 256 --stack resolver > "$work/dns-stack.out"
  w=$(figure "$work/dns-wire.out" qps)
  s=$(figure "$work/dns-stack.out" qps)
  wc=$(us_per_query "$(figure "$work/dns-wire.out" cpu_s)" "$questions")
  echo "   run $i: dnsperf $p q/s ($pc us CPU/query), AresResolver $w q/s ($wc us CPU/query)," \
    "MakeResolver stack (cache off) $s q/s"
  perf_q+=("$p") wire_q+=("$w") stack_q+=("$s") perf_c+=("$pc") wire_c+=("$wc")
  wire_r+=("$(ratio "$w" "$p")") stack_r+=("$(ratio "$s" "$p")")
  wire9_r+=("$(ratio "$(figure "$work/dns-wire.out" qps_p999)" "$p")")
done
knot_stop
DNSPERF_QPS=$(median "${perf_q[@]}")
note "dns dnsperf_qps=$DNSPERF_QPS wire_qps=$(median "${wire_q[@]}") stack_qps=$(median "${stack_q[@]}") wire_ratio=$(median "${wire_r[@]}") wire_p999_ratio=$(median "${wire9_r[@]}") stack_ratio=$(median "${stack_r[@]}") dnsperf_cpu_us=$(median "${perf_c[@]}") wire_cpu_us=$(median "${wire_c[@]}")"

# ---- 2. SPF check_host vs libspf2 and Mail::SPF ------------------------------------------------
echo "== SPF: $spf_cases cases ($mailspf_cases for Mail::SPF) per run, $repeat runs (network namespace, Knot on :53)"
head -n "$spf_cases" "$fleet/spf-cases.txt" > "$work/spf-cases.txt"
head -n "$mailspf_cases" "$fleet/spf-cases.txt" > "$work/spf-cases-short.txt"
unshare --net --mount bench/spf_peers.sh "$fleet" "$bin" "$work" "$repeat" | tee "$work/spf.out"
spf_rate() { median $(sed -n "s/^tool=$1 .*evals_per_s=\([0-9.]*\).*/\1/p" "$work/spf.out"); }
spf_cpu() { median $(sed -n "s/^tool=$1 .*cpu_us_per_eval=\([0-9.]*\).*/\1/p" "$work/spf.out"); }
# Ratios are taken within each run (same moment, same load), then the median of those.
# FIELD: evals_per_s (OURS / PEER) or cpu_us_per_eval (PEER / OURS: CPU per evaluation saved).
spf_ratio() {  # OURS PEER [FIELD]
  median $(awk -v ours="$1" -v peer="$2" -v field="${3:-evals_per_s}" '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      r[f["run"], f["tool"]] = f[field]; runs[f["run"]] = 1 }
    END { for (k in runs) if (r[k, ours] > 0 && r[k, peer] > 0)
            printf "%.2f\n", field == "evals_per_s" ? r[k, ours] / r[k, peer] : r[k, peer] / r[k, ours] }' \
    "$work/spf.out")
}
note "spf mdo_cache_on=$(spf_rate mdo-cache-on) mdo_cache_off=$(spf_rate mdo-cache-off) mdo_cache_on_t4=$(spf_rate mdo-cache-on-t4) libspf2=$(spf_rate libspf2) libspf2_x4=$(spf_rate libspf2-x4) mail_spf_perl=$(spf_rate mail-spf-perl) ratio_libspf2=$(spf_ratio mdo-cache-on libspf2) ratio_libspf2_t4=$(spf_ratio mdo-cache-on-t4 libspf2-x4) ratio_mail_spf=$(spf_ratio mdo-cache-off mail-spf-perl) mdo_cpu_us=$(spf_cpu mdo-cache-on) libspf2_cpu_us=$(spf_cpu libspf2) ratio_cpu_libspf2=$(spf_ratio mdo-cache-on libspf2 cpu_us_per_eval)"

# ---- 3. Fleet passes ---------------------------------------------------------------------------
ip_zones=$(sed -n 1p "$fleet/lists.txt")
domain_zones=$(sed -n 2p "$fleet/lists.txt")
for n in $sizes; do
  fleet=$(fleet_dir "$n")
  serve "$fleet" "fleet-$n"
  echo "== fleet of $n domains, $workers workers x $per_worker domains in flight, $repeat passes (each a fresh process: cold cache)"
  # One recording pass first, untimed: the unique questions (and their file for dnsperf). The
  # timed passes run without the recorder, as the operator does.
  fleet_pass() {  # OUT [extra flags]
    local out=$1
    shift
    "$bin/mdo-bench-fleet" --server "127.0.0.1:$PORT" --domains "$fleet/domains.txt" \
      --selectors s1,s2 --ip-zones "$ip_zones" --domain-zones "$domain_zones" \
      --workers "$workers" --in-flight "$per_worker" "$@" > "$out"
  }
  fleet_pass "$work/fleet-$n-record.out" --dump-questions "$work/fleet-$n-questions.txt"
  u=$(figure "$work/fleet-$n-record.out" unique_questions)
  walls=() ratios=() cpus=() rsss=() uniq=() sent=() qps=()
  for ((i = 1; i <= repeat; i++)); do
    out="$work/fleet-$n-run$i.out"
    fleet_pass "$out"
    p=$(dnsperf_qps "$work/fleet-$n-questions.txt" 3)
    floor=$(awk -v u="$u" -v p="$p" 'BEGIN {printf "%.3f", u / p}')
    w=$(figure "$out" wall_s)
    echo "   pass $i: wall $w s, unique $u, sent $(figure "$out" upstream_queries)," \
      "dnsperf $p q/s -> server floor $floor s, ratio $(ratio "$w" "$floor")," \
      "CPU $(figure "$out" cpu_ms_per_domain) ms/domain, RSS $(figure "$out" peak_rss_mib) MiB," \
      "failed answers $(figure "$out" failed_answers)"
    walls+=("$w") ratios+=("$(ratio "$w" "$floor")") cpus+=("$(figure "$out" cpu_ms_per_domain)")
    rsss+=("$(figure "$out" peak_rss_mib)") uniq+=("$u") sent+=("$(figure "$out" upstream_queries)")
    qps+=("$p")
  done
  knot_stop
  grep '^status domain:' "$work/fleet-$n-run1.out" | sed 's/^/   /'
  note "fleet n=$n workers=$workers per_worker=$per_worker wall_s=$(median "${walls[@]}") unique=$(median "${uniq[@]}") sent=$(median "${sent[@]}") dnsperf_qps=$(median "${qps[@]}") wall_over_floor=$(median "${ratios[@]}") cpu_ms_per_domain=$(median "${cpus[@]}") peak_rss_mib=$(median "${rsss[@]}")"
done

# ---- 4. Operator with N MailDomains in kube-testserver --------------------------------------------
# The binaries come from the project build (`make bench` builds it first).
operator_bin=${BENCH_OPERATOR:-$bin/maildomain-operator}
kts_bin=${BENCH_KTS:-$bin/kube-testserver}
op_n=${sizes##* }
if [[ -x "$operator_bin" && -x "$kts_bin" ]]; then
  fleet=$(fleet_dir "$op_n")
  serve "$fleet" "operator-$op_n"
  echo "== operator: $op_n MailDomains in kube-testserver, --workers $workers --domains-per-worker $per_worker, checkInterval 1m"
  /usr/bin/python3 bench/operator_bench.py --kts "$kts_bin" --operator "$operator_bin" \
    --fleet "$fleet" --dns-port "$PORT" --work "$work/operator-$op_n" --workers "$workers" \
    --domains-per-worker "$per_worker" \
    --timeout 900 | tee "$work/operator.out"
  knot_stop
  o="$work/operator.out"
  note "operator n=$op_n peak_rss_mib=$(figure "$o" peak_rss_mib) first_writes=$(figure "$o" first_pass_status_writes) first_s=$(figure "$o" first_pass_s) second_reconciles=$(figure "$o" second_pass_reconciles) second_writes=$(figure "$o" second_pass_status_writes) per_reconcile=$(figure "$o" requests_per_reconcile)"
else
  note "operator not-measured (no $operator_bin or $kts_bin)"
fi

# ---- Table ---------------------------------------------------------------------------------------
echo
echo "== results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); medians of $repeat)"
awk -f bench/table.awk "$results"
