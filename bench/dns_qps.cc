// DNS engine throughput: sends --count questions from a dnsperf-format query file (looping over
// it) with --in-flight questions outstanding, and prints questions per second and outcomes.
//   mdo-bench-dns --server 127.0.0.1:5300 --queries q.txt --count 200000 [--in-flight 256]
//                 [--stack wire|resolver] [--shards 1]
// "wire" is AresResolver alone; "resolver" is MakeResolver()'s production stack with caching
// off (max_ttl 0, failure_ttl 0), so every question still reaches the wire. --shards N spreads
// the questions over N independent wire resolvers (N event-loop threads, the window split
// between them): a diagnostic for how much one loop thread's send/receive alternation costs.
// "cache" is the production stack with the cache on (unbounded unless --cache-bytes N): ask
// each question once (--count = the file's unique questions) and it reports the heap the
// cached answers take (mallinfo2 before and after), per entry, beside the cache's own count.
// qps counts until the last answer, so a question the server dropped adds its retry wait (the
// per-try timeout, 2 s) to the wall time. dnsperf instead reports completed queries over the
// time until its last answer and leaves lost queries out; qps_p999 is the comparable figure:
// 99.9% of the questions over the time the 99.9th percent answer arrived (dnsperf typically
// loses 0.05-0.15% against a single-worker Knot at 256 outstanding).
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>

#include "bench_util.h"
#include "dns/ares_resolver.h"
#include "dns/make_resolver.h"
#include "dns/server_address.h"

namespace mdo::bench {
namespace {

struct Run {
  std::vector<Question> questions;
  std::uint64_t count = 0;
  std::vector<dns::Resolver*> resolvers;
  std::atomic<std::uint64_t> next{0};
  std::mutex mu;
  std::condition_variable all_done;
  std::uint64_t done = 0;
  std::map<dns::Outcome, std::uint64_t> outcomes;
  std::chrono::steady_clock::time_point start;
  std::vector<double> answered_at;  // seconds since start, in completion order

  // Each answer sends the next question, so the window stays full until the end.
  void SendNext() {
    std::uint64_t i = next.fetch_add(1);
    if (i >= count) return;
    const Question& q = questions[i % questions.size()];
    resolvers[i % resolvers.size()]->Query(q.name, q.type, [this](const dns::Answer& answer) {
      {
        std::lock_guard lock(mu);
        ++outcomes[answer.outcome];
        answered_at.push_back(SecondsSince(start));
        if (++done == count) all_done.notify_all();
      }
      SendNext();
    });
  }
};

int Main(int argc, char** argv) {
  Flags flags(argc, argv);
  auto server = flags.Get("server");
  if (server.empty()) Die("--server HOST:PORT is required");
  Run run;
  run.questions = ReadQueryFile(flags.Get("queries"));
  run.count = static_cast<std::uint64_t>(flags.GetInt("count", 100000));
  auto in_flight = static_cast<std::size_t>(flags.GetInt("in-flight", 256));
  std::string stack = flags.Get("stack", "wire");

  auto shards = static_cast<std::size_t>(std::max(1L, flags.GetInt("shards", 1)));
  std::vector<std::shared_ptr<dns::Resolver>> owned;
  std::vector<std::shared_ptr<dns::CachingResolver>> caches;
  for (std::size_t shard = 0; shard < shards; ++shard) {
    std::size_t window = std::max<std::size_t>(1, in_flight / shards);
    if (stack == "wire") {
      auto address = dns::ParseServerAddress(server);
      if (!address.ok()) Die(address.error().message);
      dns::AresResolver::Options options;
      options.servers = {*address};
      options.max_in_flight = window;
      auto made = dns::AresResolver::Create(options);
      if (!made.ok()) Die(made.error().message);
      owned.push_back(std::move(*made));
    } else if (stack == "resolver") {
      dns::ResolverOptions options;
      options.servers = {server};
      options.max_in_flight = window;
      options.cache.max_ttl = 0;
      options.cache.failure_ttl = 0;
      auto made = MakeResolver(options);
      if (!made.ok()) Die(made.error().message);
      owned.push_back(std::move(*made));
    } else if (stack == "cache") {
      dns::ResolverOptions options;
      options.servers = {server};
      options.max_in_flight = window;
      options.cache.max_entries = 0;
      options.cache.max_bytes = static_cast<std::size_t>(flags.GetInt("cache-bytes", 0));
      auto made = MakeResolver(options);
      if (!made.ok()) Die(made.error().message);
      caches.push_back(*made);
      owned.push_back(std::move(*made));
    } else {
      Die("--stack is wire, resolver or cache");
    }
    run.resolvers.push_back(owned.back().get());
  }

  run.answered_at.reserve(run.count);
  const std::size_t heap_start = mallinfo2().uordblks;
  double cpu_start = CpuSeconds();
  auto start = std::chrono::steady_clock::now();
  run.start = start;
  for (std::size_t i = 0; i < in_flight; ++i) run.SendNext();
  {
    std::unique_lock lock(run.mu);
    run.all_done.wait(lock, [&] { return run.done == run.count; });
  }
  double wall = SecondsSince(start);
  double cpu = CpuSeconds() - cpu_start;
  const std::size_t heap_end = mallinfo2().uordblks;

  std::printf("shards=%zu\n", shards);
  std::printf("stack=%s\nquestions=%llu\nwall_s=%.3f\nqps=%.0f\ncpu_s=%.3f\n", stack.c_str(),
              static_cast<unsigned long long>(run.count), wall,
              static_cast<double>(run.count) / wall, cpu);
  if (!run.answered_at.empty()) {
    std::size_t n999 = std::max<std::size_t>(1, run.answered_at.size() * 999 / 1000);
    std::printf("qps_p999=%.0f\n", static_cast<double>(n999) / run.answered_at[n999 - 1]);
  }
  for (const auto& cache : caches) {
    dns::ResolverStats stats = cache->stats();
    double heap = static_cast<double>(heap_end) - static_cast<double>(heap_start);
    double entries = std::max(1.0, static_cast<double>(stats.entries));
    std::printf(
        "cache_entries=%zu\ncache_evictions=%llu\nheap_bytes=%.0f\nheap_bytes_per_entry=%.1f\n"
        "cache_bytes=%zu\ncache_bytes_per_entry=%.1f\n",
        stats.entries, static_cast<unsigned long long>(stats.evictions), heap, heap / entries,
        stats.bytes, static_cast<double>(stats.bytes) / entries);
  }
  for (const auto& [outcome, n] : run.outcomes) {
    std::printf("outcome_%s=%llu\n", std::string(dns::ToString(outcome)).c_str(),
                static_cast<unsigned long long>(n));
  }
  return 0;
}

}  // namespace
}  // namespace mdo::bench

int main(int argc, char** argv) { return mdo::bench::Main(argc, argv); }
