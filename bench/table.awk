# Turns bench/run.sh's results.txt ("kind key=value ...") into the figure/target table.
function kv(   i, p) {
  delete v
  for (i = 2; i <= NF; i++) { p = index($i, "="); if (p) v[substr($i, 1, p - 1)] = substr($i, p + 1) }
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
  row("DNS: MakeResolver stack, cache off, q/s", v["stack_qps"] " (" v["stack_ratio"] "x)", ">= 0.70x dnsperf", verdict(v["stack_ratio"] >= 0.70))
}
$1 == "spf" {
  kv()
  row("SPF: mdo check_host/s, cache on", v["mdo_cache_on"], "", "")
  row("SPF: mdo check_host/s, cache off", v["mdo_cache_off"], "", "")
  row("SPF: libspf2 spfquery -file /s", v["libspf2"], "", "")
  row("SPF: Mail::SPF spfquery --file /s", v["mail_spf_perl"], "", "")
  r1 = v["libspf2"] > 0 ? v["mdo_cache_on"] / v["libspf2"] : 0
  r2 = v["mail_spf_perl"] > 0 ? v["mdo_cache_off"] / v["mail_spf_perl"] : 0
  row("SPF: mdo (cache on) / libspf2", sprintf("%.2fx", r1), ">= 2x", verdict(r1 >= 2))
  row("SPF: mdo (cache off) / Mail::SPF", sprintf("%.2fx", r2), ">= 2x", verdict(r2 >= 2))
}
$1 == "fleet" {
  kv()
  n = v["n"]
  row("fleet " n ": wall s (" v["workers"] " workers)", v["wall_s"], "", "")
  row("fleet " n ": wall / (unique / dnsperf q/s)", v["wall_over_floor"] "x", "<= 1.5x", verdict(v["wall_over_floor"] <= 1.5))
  row("fleet " n ": queries sent / unique questions", v["sent"] " / " v["unique"], "sent <= unique", verdict(v["sent"] + 0 <= v["unique"] + 0))
  row("fleet " n ": queries per domain", sprintf("%.1f", v["sent"] / n), "", "")
  row("fleet " n ": CPU ms per domain", v["cpu_ms_per_domain"], "reported", "")
  row("fleet " n ": peak RSS MiB", v["peak_rss_mib"], "", "")
}
$1 == "operator" {
  row("operator: peak RSS, status writes, requests/reconcile", "not measured", "<=128 MiB; N then 0; <=1", "")
}
