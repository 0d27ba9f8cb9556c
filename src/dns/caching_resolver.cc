#include "dns/caching_resolver.h"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/strings.h"

namespace mdo::dns {

namespace {

using TimePoint = std::chrono::steady_clock::time_point;

// The key of a direct NXDOMAIN: it answers every type at its name (RFC 2308 section 5), so it
// is stored once under this type instead of under the type asked.
constexpr std::uint16_t kAnyType = 0;

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

std::size_t HashOf(std::string_view name, std::uint16_t type) {
  return std::hash<std::string_view>()(name) * 31 + type;
}

// Lengths and counts in the packed answer: one byte below 128, which is nearly every one.
void PutLength(std::string& out, std::size_t n) {
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

std::size_t GetLength(const char*& p) {
  std::size_t n = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<unsigned char>(*p++);
    n |= static_cast<std::size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return n;
  }
}

void PutString(std::string& out, std::string_view s) {
  PutLength(out, s.size());
  out.append(s);
}

std::string GetString(const char*& p) {
  std::size_t n = GetLength(p);
  std::string s(p, n);
  p += n;
  return s;
}

}  // namespace

struct CachingResolver::State {
  // One cached answer in one heap block: this header, then the question name, then the
  // answer's records, MX records, CNAME chain and error, packed as length-prefixed strings.
  // It is also its own LRU list link and hash chain link, so an entry costs one allocation
  // plus its bucket slot: ~140 B for the answers of a fleet pass, against ~550 B when answers
  // were strings in vectors in node-based maps with an LRU list of key copies (docs/dns.md).
  struct Node {
    Node* newer = nullptr;  // LRU list: toward the most recently used
    Node* older = nullptr;
    Node* chain = nullptr;       // next node in the same hash bucket
    std::uint32_t expires = 0;   // seconds after State::epoch (so up to 1 s early)
    std::uint16_t type = 0;      // a RecordType, or kAnyType
    std::uint8_t outcome = 0;    // an Outcome
    std::uint8_t name_size = 0;  // question names are at most 255 octets

    const char* payload() const { return reinterpret_cast<const char*>(this + 1); }
    std::string_view name() const { return {payload(), name_size}; }
    // Header and payload, walked rather than stored (it is needed only to uncount an entry).
    std::size_t block_size() const {
      const char* p = payload() + name_size;
      for (int i = 0; i < 3; ++i) {  // records, MX records, CNAME chain
        std::size_t n = GetLength(p);
        for (std::size_t j = 0; j < n; ++j) {
          if (i == 1) p += 2;  // MX preference
          std::size_t length = GetLength(p);
          p += length;
        }
      }
      std::size_t error = GetLength(p);
      return static_cast<std::size_t>(p + error - reinterpret_cast<const char*>(this));
    }
  };
  static_assert(sizeof(Node) == 32);

  CacheOptions options;
  Clock clock;
  TimePoint epoch;  // Node::expires counts seconds from here

  mutable std::mutex mu;
  std::vector<Node*> buckets;  // size a power of two (or empty)
  std::size_t count = 0;
  std::size_t bytes = 0;
  Node* newest = nullptr;
  Node* oldest = nullptr;
  std::unordered_map<Key, std::vector<Callback>, KeyHash> in_flight;
  ResolverStats stats;

  ~State() { DropAll(); }

  // What an entry is charged: its block as malloc sizes it (8 bytes of header, 16-byte
  // granules) plus its share of the bucket array (one to two pointers).
  static std::size_t Charge(std::size_t block_size) {
    return ((block_size + 8 + 15) & ~std::size_t{15}) + 2 * sizeof(Node*);
  }

  // How long an answer may be kept, in seconds (0: not at all).
  std::uint32_t Lifetime(const Answer& answer) const {
    if (answer.outcome == Outcome::kCancelled) return 0;
    if (IsFailure(answer.outcome)) return options.failure_ttl;
    std::uint32_t ttl = std::max(answer.ttl, options.min_ttl);
    if (IsNegative(answer.outcome)) ttl = std::min(ttl, options.max_negative_ttl);
    return std::min(ttl, options.max_ttl);
  }

  void Count(const Answer& answer) { ++stats.answers[{answer.type, answer.outcome}]; }

  Node*& Bucket(std::size_t hash) { return buckets[hash & (buckets.size() - 1)]; }

  Node* Find(std::string_view name, std::uint16_t type) {
    if (buckets.empty()) return nullptr;
    for (Node* n = Bucket(HashOf(name, type)); n != nullptr; n = n->chain) {
      if (n->type == type && n->name() == name) return n;
    }
    return nullptr;
  }

  void Grow() {
    std::vector<Node*> old = std::move(buckets);
    buckets.assign(old.empty() ? 64 : old.size() * 2, nullptr);
    for (Node* head : old) {
      while (head != nullptr) {
        Node* next = head->chain;
        Node*& bucket = Bucket(HashOf(head->name(), head->type));
        head->chain = bucket;
        bucket = head;
        head = next;
      }
    }
  }

  void LinkNewest(Node* n) {
    n->older = newest;
    n->newer = nullptr;
    if (newest != nullptr) newest->newer = n;
    newest = n;
    if (oldest == nullptr) oldest = n;
  }

  void Unlink(Node* n) {
    (n->newer != nullptr ? n->newer->older : newest) = n->older;
    (n->older != nullptr ? n->older->newer : oldest) = n->newer;
  }

  void Touch(Node* n) {
    if (n == newest) return;
    Unlink(n);
    LinkNewest(n);
  }

  static void Free(Node* n) {
    n->~Node();
    ::operator delete(n);
  }

  void Erase(Node* n) {
    for (Node** link = &Bucket(HashOf(n->name(), n->type)); *link != nullptr;
         link = &(*link)->chain) {
      if (*link == n) {
        *link = n->chain;
        break;
      }
    }
    Unlink(n);
    --count;
    bytes -= Charge(n->block_size());
    Free(n);
  }

  void DropAll() {
    for (Node* n = newest; n != nullptr;) {
      Node* older = n->older;
      Free(n);
      n = older;
    }
    newest = oldest = nullptr;
    buckets.clear();
    count = 0;
    bytes = 0;
  }

  // Evicts least recently used entries until `charge` more bytes and one more entry fit.
  void MakeRoom(std::size_t charge) {
    while (oldest != nullptr && ((options.max_entries > 0 && count >= options.max_entries) ||
                                 (options.max_bytes > 0 && bytes + charge > options.max_bytes))) {
      Erase(oldest);
      ++stats.evictions;
    }
  }

  void Store(const Key& key, const Answer& answer) {
    std::uint32_t lifetime = Lifetime(answer);
    // The fresh answer replaces what was kept for this question, even when it is not kept.
    auto type = static_cast<std::uint16_t>(key.type);
    if (Node* old = Find(key.name, type)) Erase(old);
    if (lifetime == 0) return;
    // Only a direct NXDOMAIN: at the end of a CNAME chain it is about the target, not the name.
    if (answer.outcome == Outcome::kNxDomain && answer.cname_chain.empty()) {
      type = kAnyType;
      if (Node* old = Find(key.name, type)) Erase(old);
    }

    std::string packed;
    std::size_t estimate = answer.error.size() + 8;
    for (const auto& r : answer.records) estimate += r.size() + 2;
    for (const auto& mx : answer.mx) estimate += mx.exchange.size() + 4;
    for (const auto& c : answer.cname_chain) estimate += c.size() + 2;
    packed.reserve(estimate);
    PutLength(packed, answer.records.size());
    for (const auto& r : answer.records) PutString(packed, r);
    PutLength(packed, answer.mx.size());
    for (const auto& mx : answer.mx) {
      packed.push_back(static_cast<char>(mx.preference >> 8));
      packed.push_back(static_cast<char>(mx.preference & 0xff));
      PutString(packed, mx.exchange);
    }
    PutLength(packed, answer.cname_chain.size());
    for (const auto& c : answer.cname_chain) PutString(packed, c);
    PutString(packed, type == kAnyType ? std::string_view() : std::string_view(answer.error));

    if (key.name.size() > 255) return;  // not a DNS name; never asked on the wire either
    const std::size_t block_size = sizeof(Node) + key.name.size() + packed.size();
    const std::size_t charge = Charge(block_size);
    // An answer larger than the whole cache is not kept (it would empty the cache for nothing).
    if (options.max_bytes > 0 && charge > options.max_bytes) return;
    MakeRoom(charge);

    void* memory = ::operator new(block_size);
    Node* n = new (memory) Node();
    n->expires = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(SecondsSinceEpoch(clock()) + lifetime, UINT32_MAX));
    n->name_size = static_cast<std::uint8_t>(key.name.size());
    n->type = type;
    n->outcome = static_cast<std::uint8_t>(answer.outcome);
    char* out = reinterpret_cast<char*>(n + 1);
    std::memcpy(out, key.name.data(), key.name.size());
    std::memcpy(out + key.name.size(), packed.data(), packed.size());

    if (count + 1 > buckets.size()) Grow();
    Node*& bucket = Bucket(HashOf(n->name(), n->type));
    n->chain = bucket;
    bucket = n;
    LinkNewest(n);
    ++count;
    bytes += charge;
  }

  // The answer a node holds, for the question (`type` asked).
  static Answer Unpack(const Node& n, RecordType type) {
    Answer answer;
    answer.name = std::string(n.name());
    answer.type = type;
    answer.outcome = static_cast<Outcome>(n.outcome);
    answer.from_cache = true;
    const char* p = n.payload() + n.name_size;
    std::size_t records = GetLength(p);
    answer.records.reserve(records);
    for (std::size_t i = 0; i < records; ++i) answer.records.push_back(GetString(p));
    std::size_t mx = GetLength(p);
    answer.mx.reserve(mx);
    for (std::size_t i = 0; i < mx; ++i) {
      MxRecord record;
      record.preference = static_cast<std::uint16_t>((static_cast<unsigned char>(p[0]) << 8) |
                                                     static_cast<unsigned char>(p[1]));
      p += 2;
      record.exchange = GetString(p);
      answer.mx.push_back(std::move(record));
    }
    std::size_t chain = GetLength(p);
    answer.cname_chain.reserve(chain);
    for (std::size_t i = 0; i < chain; ++i) answer.cname_chain.push_back(GetString(p));
    answer.error = GetString(p);
    return answer;
  }

  std::optional<Answer> TakeHit(std::string_view name, RecordType type);
  std::vector<Callback> Settle(const Key& key, const Answer& answer, int askers);
  static void Complete(const std::shared_ptr<State>& state, const Key& key, const Answer& answer,
                       int askers);

  std::uint64_t SecondsSinceEpoch(TimePoint t) const {
    if (t <= epoch) return 0;
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(t - epoch).count());
  }

  TimePoint Expiry(const Node& n) const { return epoch + std::chrono::seconds(n.expires); }

  // A live entry for the question, or null; drops an expired one on the way.
  Node* Lookup(std::string_view name, std::uint16_t type, TimePoint now) {
    Node* n = Find(name, type);
    if (n != nullptr && now >= Expiry(*n)) {
      Erase(n);
      n = nullptr;
    }
    return n;
  }
};

CachingResolver::CachingResolver(std::shared_ptr<Resolver> upstream, CacheOptions options,
                                 Clock clock)
    : state_(std::make_shared<State>()), upstream_(std::move(upstream)) {
  state_->options = options;
  state_->clock = clock ? std::move(clock) : [] { return std::chrono::steady_clock::now(); };
  state_->epoch = state_->clock();
}

CachingResolver::~CachingResolver() { upstream_.reset(); }

// A live cached answer to the question, counted as a hit; called with state.mu held.
std::optional<Answer> CachingResolver::State::TakeHit(std::string_view name, RecordType type) {
  if (buckets.empty()) return std::nullopt;
  TimePoint now = clock();
  Node* hit = Lookup(name, static_cast<std::uint16_t>(type), now);
  if (hit == nullptr) hit = Lookup(name, kAnyType, now);
  if (hit == nullptr) return std::nullopt;
  Answer answer = Unpack(*hit, type);
  auto left = std::chrono::duration_cast<std::chrono::seconds>(Expiry(*hit) - now);
  answer.ttl = static_cast<std::uint32_t>(left.count());
  Touch(hit);
  ++stats.cache_hits;
  Count(answer);
  return answer;
}

// The upstream's answer: kept, then handed to everyone who joined the question while it was on
// the wire. `askers` is how many more received it directly (for the per-outcome counts).
// Keeps the upstream's answer and takes the question off the wire, counting it for `askers`
// plus everyone who joined; returns those who joined, to be called outside the lock. Called
// with mu held.
std::vector<CachingResolver::Callback> CachingResolver::State::Settle(const Key& key,
                                                                      const Answer& answer,
                                                                      int askers) {
  std::vector<Callback> waiters;
  Store(key, answer);
  auto it = in_flight.find(key);
  if (it != in_flight.end()) {
    waiters = std::move(it->second);
    in_flight.erase(it);
  }
  for (std::size_t i = 0; i < waiters.size() + static_cast<std::size_t>(askers); ++i) {
    Count(answer);
  }
  return waiters;
}

void CachingResolver::State::Complete(const std::shared_ptr<State>& state, const Key& key,
                                      const Answer& answer, int askers) {
  std::vector<Callback> waiters;
  {
    std::lock_guard lock(state->mu);
    waiters = state->Settle(key, answer, askers);
  }
  for (auto& waiter : waiters) waiter(answer);
}

void CachingResolver::Query(std::string_view name, RecordType type, Callback done) {
  Key key{NormalizeDnsName(name), type};
  std::shared_ptr<State> state = state_;
  {
    std::unique_lock lock(state->mu);
    ++state->stats.queries;
    if (std::optional<Answer> hit = state->TakeHit(key.name, type)) {
      lock.unlock();
      done(*hit);
      return;
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
  upstream_->Query(key.name, type,
                   [state, key](const Answer& answer) { State::Complete(state, key, answer, 0); });
}

Answer CachingResolver::Resolve(std::string_view name, RecordType type) {
  Key key{NormalizeDnsName(name), type};
  std::shared_ptr<State> state = state_;
  {
    std::unique_lock lock(state->mu);
    // Already on the wire: join it as Query does (and is counted there).
    if (!state->in_flight.contains(key)) {
      ++state->stats.queries;
      if (std::optional<Answer> hit = state->TakeHit(key.name, type)) return std::move(*hit);
      state->in_flight.try_emplace(key);
      ++state->stats.upstream_queries;
    } else {
      lock.unlock();
      return Resolver::Resolve(key.name, type);
    }
  }
  // This thread asks the upstream and waits for it; others asking meanwhile join in_flight.
  Answer answer = upstream_->Resolve(key.name, type);
  State::Complete(state, key, answer, 1);
  return answer;
}

std::vector<Answer> CachingResolver::ResolveAll(std::span<const Question> questions) {
  std::vector<Answer> answers(questions.size());
  std::vector<Key> keys;
  keys.reserve(questions.size());
  for (const Question& q : questions) keys.push_back({NormalizeDnsName(q.name), q.type});
  std::vector<std::size_t> misses;  // indexes this thread asks the upstream
  // Questions another asker has on the wire: their answers come through callbacks, counted here.
  struct Joined {
    std::mutex mu;
    std::condition_variable cv;
    std::size_t left = 0;
  };
  std::shared_ptr<Joined> joined;
  std::shared_ptr<State> state = state_;
  {
    std::lock_guard lock(state->mu);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const Key& key = keys[i];
      ++state->stats.queries;
      auto waiting = state->in_flight.find(key);
      if (waiting == state->in_flight.end()) {
        if (std::optional<Answer> hit = state->TakeHit(key.name, key.type)) {
          answers[i] = std::move(*hit);
          continue;
        }
        state->in_flight.try_emplace(key);
        ++state->stats.upstream_queries;
        misses.push_back(i);
        continue;
      }
      // On the wire already (maybe asked earlier in this very batch): join it.
      ++state->stats.deduplicated;
      if (!joined) joined = std::make_shared<Joined>();
      ++joined->left;
      waiting->second.push_back([&answers, i, joined](const Answer& answer) {
        answers[i] = answer;
        std::lock_guard joined_lock(joined->mu);
        if (--joined->left == 0) joined->cv.notify_one();
      });
    }
  }
  if (!misses.empty()) {
    std::vector<Question> asked;
    asked.reserve(misses.size());
    for (std::size_t i : misses) asked.push_back({keys[i].name, keys[i].type});
    // This thread asks the upstream and waits for it; others asking meanwhile join in_flight.
    std::vector<Answer> upstream_answers = upstream_->ResolveAll(asked);
    // Kept and handed to those who joined, all under one lock (not one per answer: the fleet's
    // workers meet on this lock).
    std::vector<Callback> waiters;
    std::vector<std::size_t> waiter_answer;  // index in upstream_answers
    {
      std::lock_guard lock(state->mu);
      for (std::size_t k = 0; k < misses.size(); ++k) {
        for (Callback& waiter : state->Settle(keys[misses[k]], upstream_answers[k], 1)) {
          waiters.push_back(std::move(waiter));
          waiter_answer.push_back(k);
        }
      }
    }
    for (std::size_t w = 0; w < waiters.size(); ++w) waiters[w](upstream_answers[waiter_answer[w]]);
    for (std::size_t k = 0; k < misses.size(); ++k) {
      answers[misses[k]] = std::move(upstream_answers[k]);
    }
  }
  if (joined) {
    std::unique_lock lock(joined->mu);
    joined->cv.wait(lock, [&] { return joined->left == 0; });
  }
  return answers;
}

ResolverStats CachingResolver::stats() const {
  std::lock_guard lock(state_->mu);
  ResolverStats copy = state_->stats;
  copy.entries = state_->count;
  copy.bytes = state_->bytes;
  return copy;
}

void CachingResolver::Clear() {
  std::lock_guard lock(state_->mu);
  state_->DropAll();
}

}  // namespace mdo::dns
