// SPF check_host() evaluations per second over a case file of "ip sender helo" lines (the format
// of spfquery's -file), evaluated one after another, --repeat times over.
//   mdo-bench-spf --server 127.0.0.1:53 --cases cases.txt [--repeat 3] [--cache on|off]
//                 [--threads 1]
// "on" is the production resolver stack (answers cached across evaluations, as libspf2's
// spfquery does); "off" sends every question to the wire (as Mail::SPF does). --threads > 1
// evaluates that many cases at once over the one resolver, as the operator's workers do; the
// peers' batch modes are sequential, so only --threads 1 is like for like.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "bench_util.h"
#include "checks/spf/check_host.h"
#include "dns/make_resolver.h"
#include "net/ip_address.h"

namespace mdo::bench {
namespace {

int Main(int argc, char** argv) {
  Flags flags(argc, argv);
  auto server = flags.Get("server");
  if (server.empty()) Die("--server HOST:PORT is required");
  std::ifstream in(flags.Get("cases"));
  if (!in) Die("cannot read --cases");
  std::vector<checks::spf::CheckHostRequest> requests;
  std::string ip, sender, helo;
  while (in >> ip >> sender >> helo) {
    auto address = net::IpAddress::Parse(ip);
    if (!address) Die("bad ip " + ip);
    auto at = sender.find('@');
    std::string domain = at == std::string::npos ? sender : sender.substr(at + 1);
    requests.push_back({*address, domain, sender, helo});
  }
  if (requests.empty()) Die("no cases");
  long repeat = flags.GetInt("repeat", 1);
  bool cache = flags.Get("cache", "on") == "on";

  dns::ResolverOptions options;
  options.servers = {server};
  if (!cache) {
    options.cache.max_ttl = 0;
    options.cache.failure_ttl = 0;
  }
  auto resolver = dns::MakeResolver(options);
  if (!resolver.ok()) Die(resolver.error().message);

  auto threads = static_cast<std::size_t>(std::max(1L, flags.GetInt("threads", 1)));
  std::map<std::string, std::uint64_t> results;
  std::mutex mu;
  std::atomic<std::size_t> next{0};
  std::size_t total = requests.size() * static_cast<std::size_t>(repeat);
  auto evaluate = [&] {
    std::map<std::string, std::uint64_t> local;
    for (std::size_t i = next++; i < total; i = next++) {
      auto result = checks::spf::CheckHost(**resolver, requests[i % requests.size()]);
      ++local[std::string(checks::spf::ToString(result.result))];
    }
    std::lock_guard lock(mu);
    for (const auto& [name, n] : local) results[name] += n;
  };
  double cpu_start = CpuSeconds();
  auto start = std::chrono::steady_clock::now();
  if (threads == 1) {
    evaluate();
  } else {
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(evaluate);
    for (auto& thread : pool) thread.join();
  }
  std::uint64_t evaluations = total;
  double wall = SecondsSince(start);
  double cpu = CpuSeconds() - cpu_start;
  auto stats = (*resolver)->stats();
  std::printf("threads=%zu\n", threads);
  std::printf("cache=%s\nevaluations=%llu\nwall_s=%.3f\nevals_per_s=%.0f\ncpu_s=%.3f\n",
              cache ? "on" : "off", static_cast<unsigned long long>(evaluations), wall,
              static_cast<double>(evaluations) / wall, cpu);
  std::printf("upstream_queries=%llu\n", static_cast<unsigned long long>(stats.upstream_queries));
  for (const auto& [name, n] : results) {
    std::printf("result_%s=%llu\n", name.c_str(), static_cast<unsigned long long>(n));
  }
  return 0;
}

}  // namespace
}  // namespace mdo::bench

int main(int argc, char** argv) { return mdo::bench::Main(argc, argv); }
