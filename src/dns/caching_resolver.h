// A shared, thread-safe answer cache in front of any Resolver.
//
// - Answers are kept for their TTL, clamped to [min_ttl, max_ttl]. NoData and NxDomain are
//   kept for their RFC 2308 TTL (SOA), capped by max_negative_ttl. An NXDOMAIN (not reached
//   through a CNAME) answers every type at that name for its TTL (RFC 2308 section 5).
// - Failures (SERVFAIL, REFUSED, timeout, malformed, network error) are kept for failure_ttl
//   seconds (RFC 2308 section 7 allows up to 5 minutes), so a dead zone asked about by many
//   domains costs one timeout, not one per domain; 0 turns this off. kCancelled is never kept.
// - Concurrent identical questions (same name and type) share one upstream query; every caller
//   gets the answer.
// - Bounds on the bytes held (default 32 MiB) and optionally on the number of entries evict the
//   least recently used. Each answer is kept packed in one allocation (~80 B for a typical
//   NXDOMAIN, ~500 B for a DKIM key); stats().bytes is what the byte bound counts.
// - Hits have Answer::from_cache set and the remaining TTL in Answer::ttl.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>

#include "dns/resolver.h"

namespace mdo::dns {

struct CacheOptions {
  std::uint32_t min_ttl = 0;              // seconds; raises short TTLs
  std::uint32_t max_ttl = 86400;          // seconds; 0 disables caching (de-duplication stays)
  std::uint32_t max_negative_ttl = 3600;  // seconds, for NoData and NxDomain
  std::uint32_t failure_ttl = 5;          // seconds, for failures; 0: never cached
  // Bytes the cached answers may take (each entry's heap block plus its index slot, as counted
  // in ResolverStats::bytes); the least recently used go first. 0: unbounded. 32 MiB holds
  // the ~230,000 answers of a 10,000-domain pass.
  std::size_t max_bytes = 32 * 1024 * 1024;
  std::size_t max_entries = 0;  // a bound on the number of entries as well; 0: none
};

// A snapshot of the counters, for metrics.
struct ResolverStats {
  std::uint64_t queries = 0;           // questions asked of the cache
  std::uint64_t cache_hits = 0;        // answered from the cache
  std::uint64_t deduplicated = 0;      // joined a question already on the wire
  std::uint64_t upstream_queries = 0;  // passed to the upstream resolver
  std::uint64_t evictions = 0;         // entries dropped by the size bounds
  std::size_t entries = 0;             // entries held now (expired ones may linger until asked)
  std::size_t bytes = 0;               // bytes those entries take (see CacheOptions::max_bytes)
  // Every answer handed out, by question type and outcome (hits included).
  std::map<std::pair<RecordType, Outcome>, std::uint64_t> answers;
};

class CachingResolver : public Resolver {
 public:
  // The clock seam: tests pass a function returning a time they control.
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit CachingResolver(std::shared_ptr<Resolver> upstream, CacheOptions options = {},
                           Clock clock = {});
  // Drops its reference to the upstream resolver first, so that a resolver it owns alone shuts
  // down (pending callers get kCancelled) while the cache is still alive.
  ~CachingResolver() override;

  void Query(std::string_view name, RecordType type, Callback done) override;
  // A hit is answered at once; a miss is asked with the upstream's Resolve on this thread (the
  // wire resolver's cheap path), while concurrent askers of the same question still share it.
  Answer Resolve(std::string_view name, RecordType type) override;
  // Hits are answered at once; the misses go to the upstream's ResolveAll together, on this
  // thread; a question already on the wire (for another asker) is joined and waited for.
  std::vector<Answer> ResolveAll(std::span<const Question> questions) override;

  ResolverStats stats() const;
  // Forgets every cached answer (questions in flight are not affected).
  void Clear();

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::shared_ptr<Resolver> upstream_;
};

}  // namespace mdo::dns
