# Turns bench/run.sh's results.txt ("kind key=value ...") into the figure/target table.
function kv(   i, p, val) {
  delete v
  # Numbers become numbers, so that verdicts compare numerically (substr() gives strings).
  for (i = 2; i <= NF; i++) {
    p = index($i, "=")
    if (!p) continue
    val = substr($i, p + 1)
    v[substr($i, 1, p - 1)] = (val ~ /^-?[0-9]+(\.[0-9]+)?$/) ? val + 0 : val
  }
}
function row(figure, value, target, ok) {
  printf "%-58s %-22s %-26s %s\n", figure, value, target, ok
}
function verdict(c) { return c ? "met" : "MISSED" }
BEGIN { row("figure", "value", "target", ""); }
$1 == "dns" {
  kv()
  row("DNS: dnsperf q/s (same Knot, same mix)", v["dnsperf_qps"], "reference", "")
  row("DNS: AresResolver q/s", v["wire_qps"] " (" v["wire_ratio"] "x)", ">= 0.70x dnsperf", verdict(v["wire_ratio"] >= 0.70))
  row("DNS: AresResolver, 99.9% of answers / dnsperf", v["wire_p999_ratio"] "x", "(context)", "")
  row("DNS: client CPU us/query, mdo AresResolver vs dnsperf", v["wire_cpu_us"] " vs " v["dnsperf_cpu_us"], "(context)", "")
  row("DNS: MakeResolver stack, cache off, q/s", v["stack_qps"] " (" v["stack_ratio"] "x)", ">= 0.70x dnsperf", verdict(v["stack_ratio"] >= 0.70))
}
$1 == "spf" {
  kv()
  row("SPF: mdo check_host/s, cache on, 1 at a time", v["mdo_cache_on"], "", "")
  row("SPF: libspf2 spfquery -file /s", v["libspf2"], "", "")
  row("SPF: mdo check_host/s, cache on, 4 threads", v["mdo_cache_on_t4"], "", "")
  row("SPF: libspf2, 4 processes (a quarter each) /s", v["libspf2_x4"], "", "")
  row("SPF: mdo check_host/s, cache off, 1 at a time", v["mdo_cache_off"], "", "")
  row("SPF: Mail::SPF spfquery --file /s", v["mail_spf_perl"], "", "")
  row("SPF: mdo / libspf2, 1 at a time", v["ratio_libspf2"] "x", ">= 2x", verdict(v["ratio_libspf2"] >= 2))
  row("SPF: mdo 4 threads / libspf2 4 processes", v["ratio_libspf2_t4"] "x", "(context)", "")
  row("SPF: CPU us per evaluation, mdo vs libspf2", v["mdo_cpu_us"] " vs " v["libspf2_cpu_us"] " (" v["ratio_cpu_libspf2"] "x)", "(context)", "")
  row("SPF: mdo (cache off) / Mail::SPF", v["ratio_mail_spf"] "x", ">= 2x", verdict(v["ratio_mail_spf"] >= 2))
}
$1 == "fleet" {
  kv()
  n = v["n"]
  row("fleet " n ": wall s (" v["workers"] " workers x " v["per_worker"] " in flight)", v["wall_s"], "", "")
  row("fleet " n ": wall / (unique / dnsperf q/s)", v["wall_over_floor"] "x", "<= 1.5x", verdict(v["wall_over_floor"] <= 1.5))
  row("fleet " n ": queries sent / unique questions", v["sent"] " / " v["unique"], "sent <= unique", verdict(v["sent"] + 0 <= v["unique"] + 0))
  row("fleet " n ": queries per domain", sprintf("%.1f", v["sent"] / n), "", "")
  row("fleet " n ": CPU ms per domain", v["cpu_ms_per_domain"], "reported", "")
  row("fleet " n ": peak RSS MiB", v["peak_rss_mib"], "", "")
}
$1 == "operator" && $2 == "not-measured" {
  row("operator: peak RSS, status writes, requests/reconcile", "not measured", "<=128 MiB; N then 0; <=1", "")
}
$1 == "operator" && $2 != "not-measured" {
  kv()
  n = v["n"]
  row("operator " n ": peak RSS MiB", v["peak_rss_mib"], "<= 128", verdict(v["peak_rss_mib"] <= 128))
  row("operator " n ": status writes, first pass", v["first_writes"] " (" v["first_s"] " s)", "= " n, verdict(v["first_writes"] == n))
  row("operator " n ": status writes, unchanged second pass", v["second_writes"] " of " v["second_reconciles"] " reconciles", "0", verdict(v["second_writes"] == 0 && v["second_reconciles"] >= n))
  row("operator " n ": API requests per reconcile (2nd pass)", v["per_reconcile"], "<= 1", verdict(v["per_reconcile"] >= 0 && v["per_reconcile"] <= 1))
}
