// The DNS seam: every check asks its questions through a Resolver. Production uses the c-ares
// implementation (ares_resolver.h) behind a shared cache; unit tests use MemoryResolver.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mdo::dns {

enum class RecordType : std::uint16_t {
  kA = 1,
  kNs = 2,
  kCname = 5,
  kSoa = 6,
  kPtr = 12,
  kMx = 15,
  kTxt = 16,
  kAaaa = 28,
};
std::string_view ToString(RecordType type);

// How a question ended. Checks depend on telling these apart: SPF counts NoData and NxDomain as
// void lookups but turns ServFail and Timeout into temperror; a blacklist treats NxDomain as
// "not listed" and everything from kServFail on as "could not be determined".
enum class Outcome {
  kData,          // the answer section holds records of the asked type
  kNoData,        // the name exists, no records of this type (NOERROR, empty answer)
  kNxDomain,      // the name does not exist
  kServFail,      // the server answered SERVFAIL
  kRefused,       // the server answered REFUSED
  kTimeout,       // no usable answer within the timeout and attempts
  kMalformed,     // an answer arrived but could not be parsed
  kNetworkError,  // the server could not be reached (connection refused, no route, ...)
  kCancelled,     // the resolver shut down before an answer came
};
std::string_view ToString(Outcome outcome);

// NoData or NxDomain: an authoritative "nothing here".
inline bool IsNegative(Outcome o) { return o == Outcome::kNoData || o == Outcome::kNxDomain; }
// The question could not be answered: the truth is unknown.
inline bool IsFailure(Outcome o) { return o != Outcome::kData && !IsNegative(o); }

struct MxRecord {
  std::uint16_t preference = 0;
  std::string exchange;  // lower-case, no trailing dot; "" for the null MX target "."
  friend bool operator==(const MxRecord&, const MxRecord&) = default;
};

struct Answer {
  std::string name;  // the question name as asked, normalised (lower-case, no trailing dot)
  RecordType type = RecordType::kA;
  Outcome outcome = Outcome::kTimeout;
  // Seconds this answer may be reused: the smallest TTL on the path for data, the SOA minimum
  // (RFC 2308) for negative answers, 0 for failures.
  std::uint32_t ttl = 0;
  // One entry per record. TXT: the record's character-strings joined without separator
  // (RFC 7208 3.3), bytes kept as published. A/AAAA: canonical address text. PTR/CNAME/NS:
  // target names, lower-case, no trailing dot. Empty for MX (see `mx`).
  std::vector<std::string> records;
  std::vector<MxRecord> mx;
  // Targets of the CNAME records followed to reach the data, in order; the last one owns the
  // data. Empty when the question name was not an alias.
  std::vector<std::string> cname_chain;
  // For failures: what went wrong, for messages ("timed out after 2 attempts to 127.0.0.1:53").
  std::string error;
  bool from_cache = false;

  bool ok() const { return outcome == Outcome::kData; }
  // The name that finally owns the data: the last alias target, or the question name.
  const std::string& canonical_name() const;
};

// One question of a batch (Resolver::ResolveAll); the name is the caller's, read during the call.
struct Question {
  std::string_view name;
  RecordType type = RecordType::kA;
};

class Resolver {
 public:
  using Callback = std::function<void(const Answer&)>;

  virtual ~Resolver() = default;

  // Asks one question. `done` runs exactly once, possibly on another thread and possibly before
  // Query returns (cache hits). It must not block: hand work elsewhere if it is long.
  virtual void Query(std::string_view name, RecordType type, Callback done) = 0;

  // Asks one question and waits for the answer on the calling thread. The default asks Query
  // and sleeps until the callback ran. A resolver that can answer a caller who waits anyway more
  // cheaply overrides it: the wire resolver then exchanges the question on the caller's thread,
  // with no hand-off to its loop thread and back (three context switches per question, most of
  // an SPF evaluation's cost). The answer is the same either way.
  virtual Answer Resolve(std::string_view name, RecordType type);

  // Asks every question at once and waits for all the answers: the result's i-th answer is the
  // answer to questions[i]. The default asks Query for each and sleeps until every callback ran.
  // The wire resolver overrides it to exchange the whole batch on the calling thread (one send
  // per question, then the answers as they come, one wake-up for a burst of them) and the cache
  // to answer its hits and pass only the misses on. The answers are the same either way.
  virtual std::vector<Answer> ResolveAll(std::span<const Question> questions);

  // Convenience wrapper over Query.
  std::future<Answer> QueryAsync(std::string_view name, RecordType type);
};

// Work the calling thread does while its ResolveAll waits for answers, instead of sleeping: a
// runner that keeps many domains in flight on one thread (report/interleaved.h) installs it
// around the batch it exchanges, and runs the checks whose answers came in an earlier batch.
// The wire resolver calls Run() each time it would wait; Run() returns true if the work did
// something (the resolver then reads its sockets again before it sleeps). While the work runs it
// is uninstalled, so nothing it calls reenters it.
class WhileWaiting {
 public:
  // Installs `work` for this thread until the destructor (which restores the previous one).
  explicit WhileWaiting(std::function<bool()> work);
  ~WhileWaiting();
  WhileWaiting(const WhileWaiting&) = delete;
  WhileWaiting& operator=(const WhileWaiting&) = delete;

  // Runs this thread's installed work; false if none is installed or it did nothing.
  static bool Run();

 private:
  std::function<bool()> work_;
  WhileWaiting* previous_;
};

}  // namespace mdo::dns
