// DNS engine throughput: sends --count questions from a dnsperf-format query file (looping over
// it) with --in-flight questions outstanding, and prints questions per second and outcomes.
//   mdo-bench-dns --server 127.0.0.1:5300 --queries q.txt --count 200000 [--in-flight 256]
//                 [--stack wire|resolver] [--shards 1]
// "wire" is AresResolver alone; "resolver" is MakeResolver()'s production stack with caching
// off (max_ttl 0, failure_ttl 0), so every question still reaches the wire. --shards N spreads
// the questions over N independent wire resolvers (N event-loop threads, the window split
// between them): a diagnostic for how much one loop thread's send/receive alternation costs.
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

  // Each answer sends the next question, so the window stays full until the end.
  void SendNext() {
    std::uint64_t i = next.fetch_add(1);
    if (i >= count) return;
    const Question& q = questions[i % questions.size()];
    resolvers[i % resolvers.size()]->Query(q.name, q.type, [this](const dns::Answer& answer) {
      {
        std::lock_guard lock(mu);
        ++outcomes[answer.outcome];
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
    } else {
      Die("--stack is wire or resolver");
    }
    run.resolvers.push_back(owned.back().get());
  }

  double cpu_start = CpuSeconds();
  auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < in_flight; ++i) run.SendNext();
  {
    std::unique_lock lock(run.mu);
    run.all_done.wait(lock, [&] { return run.done == run.count; });
  }
  double wall = SecondsSince(start);
  double cpu = CpuSeconds() - cpu_start;

  std::printf("shards=%zu\n", shards);
  std::printf("stack=%s\nquestions=%llu\nwall_s=%.3f\nqps=%.0f\ncpu_s=%.3f\n", stack.c_str(),
              static_cast<unsigned long long>(run.count), wall,
              static_cast<double>(run.count) / wall, cpu);
  for (const auto& [outcome, n] : run.outcomes) {
    std::printf("outcome_%s=%llu\n", std::string(dns::ToString(outcome)).c_str(),
                static_cast<unsigned long long>(n));
  }
  return 0;
}

}  // namespace
}  // namespace mdo::bench

int main(int argc, char** argv) { return mdo::bench::Main(argc, argv); }
