#include "dns/caching_resolver.h"

#include <algorithm>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/strings.h"

namespace mdo::dns {

namespace {

using TimePoint = std::chrono::steady_clock::time_point;

struct Key {
  std::string name;
  RecordType type;
  friend bool operator==(const Key&, const Key&) = default;
};

struct KeyHash {
  std::size_t operator()(const Key& key) const {
    return std::hash<std::string>()(key.name) * 31 + static_cast<std::size_t>(key.type);
  }
};

}  // namespace

struct CachingResolver::State {
  struct Entry {
    Answer answer;
    TimePoint expires;
    std::list<Key>::iterator lru;  // position in `recency`
  };

  CacheOptions options;
  Clock clock;

  mutable std::mutex mu;
  std::unordered_map<Key, Entry, KeyHash> entries;
  std::list<Key> recency;  // most recently used first
  std::unordered_map<Key, std::vector<Callback>, KeyHash> in_flight;
  // RFC 2308 5: NXDOMAIN says the name has no records of any type, so it answers every type.
  std::unordered_map<std::string, TimePoint> nxdomains;
  ResolverStats stats;

  // How long an answer may be kept, in seconds (0: not at all).
  std::uint32_t Lifetime(const Answer& answer) const {
    if (answer.outcome == Outcome::kCancelled) return 0;
    if (IsFailure(answer.outcome)) return options.failure_ttl;
    std::uint32_t ttl = std::max(answer.ttl, options.min_ttl);
    if (IsNegative(answer.outcome)) ttl = std::min(ttl, options.max_negative_ttl);
    return std::min(ttl, options.max_ttl);
  }

  void Count(const Answer& answer) { ++stats.answers[{answer.type, answer.outcome}]; }

  void Erase(std::unordered_map<Key, Entry, KeyHash>::iterator it) {
    recency.erase(it->second.lru);
    entries.erase(it);
  }

  void Store(const Key& key, const Answer& answer) {
    std::uint32_t lifetime = Lifetime(answer);
    if (lifetime == 0) return;
    TimePoint expires = clock() + std::chrono::seconds(lifetime);
    // Only a direct NXDOMAIN: at the end of a CNAME chain it is about the target, not the name.
    if (answer.outcome == Outcome::kNxDomain && answer.cname_chain.empty()) {
      if (options.max_entries > 0 && nxdomains.size() >= options.max_entries) {
        TimePoint now = clock();
        std::erase_if(nxdomains, [now](const auto& entry) { return entry.second <= now; });
        if (nxdomains.size() >= options.max_entries) nxdomains.clear();
      }
      nxdomains[key.name] = expires;
    }
    if (auto it = entries.find(key); it != entries.end()) Erase(it);
    while (options.max_entries > 0 && entries.size() >= options.max_entries) {
      auto victim = entries.find(recency.back());
      Erase(victim);
      ++stats.evictions;
    }
    recency.push_front(key);
    entries.emplace(key, Entry{answer, expires, recency.begin()});
  }
};

CachingResolver::CachingResolver(std::shared_ptr<Resolver> upstream, CacheOptions options,
                                 Clock clock)
    : state_(std::make_shared<State>()), upstream_(std::move(upstream)) {
  state_->options = options;
  state_->clock = clock ? std::move(clock) : [] { return std::chrono::steady_clock::now(); };
}

CachingResolver::~CachingResolver() { upstream_.reset(); }

void CachingResolver::Query(std::string_view name, RecordType type, Callback done) {
  Key key{NormalizeDnsName(name), type};
  std::shared_ptr<State> state = state_;
  {
    std::unique_lock lock(state->mu);
    ++state->stats.queries;
    if (auto it = state->entries.find(key); it != state->entries.end()) {
      TimePoint now = state->clock();
      if (now < it->second.expires) {
        Answer answer = it->second.answer;
        answer.from_cache = true;
        auto left = std::chrono::duration_cast<std::chrono::seconds>(it->second.expires - now);
        answer.ttl = static_cast<std::uint32_t>(left.count());
        state->recency.splice(state->recency.begin(), state->recency, it->second.lru);
        ++state->stats.cache_hits;
        state->Count(answer);
        lock.unlock();
        done(answer);
        return;
      }
      state->Erase(it);
    }
    if (auto nx = state->nxdomains.find(key.name); nx != state->nxdomains.end()) {
      TimePoint now = state->clock();
      if (now < nx->second) {
        Answer answer;
        answer.name = key.name;
        answer.type = type;
        answer.outcome = Outcome::kNxDomain;
        answer.from_cache = true;
        auto left = std::chrono::duration_cast<std::chrono::seconds>(nx->second - now);
        answer.ttl = static_cast<std::uint32_t>(left.count());
        ++state->stats.cache_hits;
        state->Count(answer);
        lock.unlock();
        done(answer);
        return;
      }
      state->nxdomains.erase(nx);
    }
    auto [waiting, first] = state->in_flight.try_emplace(key);
    waiting->second.push_back(std::move(done));
    if (!first) {
      ++state->stats.deduplicated;
      return;
    }
    ++state->stats.upstream_queries;
  }
  // Outside the lock: the upstream may answer synchronously, on this thread.
  upstream_->Query(key.name, type, [state, key](const Answer& answer) {
    std::vector<Callback> waiters;
    {
      std::lock_guard lock(state->mu);
      state->Store(key, answer);
      auto it = state->in_flight.find(key);
      if (it != state->in_flight.end()) {
        waiters = std::move(it->second);
        state->in_flight.erase(it);
      }
      for (std::size_t i = 0; i < waiters.size(); ++i) state->Count(answer);
    }
    for (auto& waiter : waiters) waiter(answer);
  });
}

ResolverStats CachingResolver::stats() const {
  std::lock_guard lock(state_->mu);
  ResolverStats copy = state_->stats;
  copy.entries = state_->entries.size();
  return copy;
}

void CachingResolver::Clear() {
  std::lock_guard lock(state_->mu);
  state_->entries.clear();
  state_->recency.clear();
  state_->nxdomains.clear();
}

}  // namespace mdo::dns
