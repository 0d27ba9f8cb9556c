// An events.k8s.io/v1 event recorder with client-go's behaviour:
// - Event() never blocks the caller: events go to a bounded queue (1000) and a full queue
//   drops them (counted);
// - a per-object token bucket (burst 25, one token per 300 s) drops floods (counted);
// - a repeat of the same event (same regarding, related, type, reason, action, reporting
//   controller and instance; the note is not part of the key) becomes a series: the first is
//   created, later ones PATCH series.count and series.lastObservedTime; a series idle for 6
//   minutes is forgotten and the next repeat starts a new event;
// - notes are cut to 1024 bytes; delivery retries transport errors, 429 and 5xx a few times;
// - the EventSink seam writes them; ApiEventSink falls back to core/v1 when the cluster has no
//   events.k8s.io/v1.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "kube/api_client.h"
#include "kube/clock.h"
#include "kube/rate_limiter.h"

namespace mdo::kube {

struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string namespace_name;
  std::string name;
  std::string uid;

  Json ToJson() const;
  // From an object's apiVersion, kind and metadata.
  static ObjectReference FromObject(const Json& object);
  std::string Key() const;  // identity used for rate limits and series
};

// Where events are written. Both calls take and return events.k8s.io/v1 shapes.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual ApiResult<Json> Create(const std::string& ns, const Json& event) = 0;
  // A JSON merge patch of an existing event.
  virtual ApiResult<Json> Patch(const std::string& ns, const std::string& name,
                                const Json& patch) = 0;
};

// Writes through an ApiClient: events.k8s.io/v1, or core/v1 (fields translated) when discovery
// says the group is absent.
class ApiEventSink final : public EventSink {
 public:
  explicit ApiEventSink(ApiClient& api) : api_(api) {}
  ApiResult<Json> Create(const std::string& ns, const Json& event) override;
  ApiResult<Json> Patch(const std::string& ns, const std::string& name, const Json& patch) override;
  bool UsingCoreV1();

 private:
  ApiClient& api_;
  std::mutex mutex_;
  std::optional<bool> core_v1_;  // decided on first use
};

// events.k8s.io/v1 -> core/v1 (regarding->involvedObject, note->message, ...).
Json ToCoreV1Event(const Json& event);
Json ToCoreV1Patch(const Json& patch);

struct EventRecorderOptions {
  std::string reporting_controller = "mailops.dev/maildomain-operator";
  std::string reporting_instance;  // e.g. the pod name; "" = reporting_controller
  size_t queue_capacity = 1000;
  double burst = 25;
  Clock::Duration refill_interval = std::chrono::seconds(300);
  Clock::Duration series_idle = std::chrono::minutes(6);
  size_t max_tracked = 4096;  // objects with buckets and series remembered (LRU-ish bound)
  int max_attempts = 4;
  Clock::Duration retry_delay = std::chrono::milliseconds(500);
};

class EventRecorder {
 public:
  EventRecorder(EventSink& sink, EventRecorderOptions options = {},
                Clock& clock = SystemClock::Instance());
  ~EventRecorder();  // stops the delivery thread; queued events are dropped
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // type: "Normal" or "Warning". Never blocks on the API.
  void Event(const ObjectReference& regarding, const std::string& type, const std::string& reason,
             const std::string& action, const std::string& note,
             const std::optional<ObjectReference>& related = std::nullopt);

  // Waits until every queued event has been handled (for tests and orderly shutdown).
  bool WaitIdle(std::chrono::milliseconds timeout);

  uint64_t dropped_queue_full() const { return dropped_queue_full_; }
  uint64_t dropped_rate_limited() const { return dropped_rate_limited_; }
  uint64_t failed() const { return failed_; }

 private:
  struct Pending {
    ObjectReference regarding;
    std::optional<ObjectReference> related;
    std::string type, reason, action, note;
    Clock::WallTime when;
  };
  struct Series {
    std::string ns;
    std::string name;
    int count = 1;
    Clock::TimePoint last_seen;
  };
  struct Bucket {
    TokenBucket bucket;
    Clock::TimePoint last_used;
  };

  void Loop();
  void Handle(const Pending& p);
  bool Allow(const std::string& object_key);
  void EvictIdle(Clock::TimePoint now);
  std::string NextName(const std::string& object_name, Clock::WallTime when);
  template <typename F>
  ApiResult<Json> Deliver(F&& call);

  EventSink& sink_;
  EventRecorderOptions options_;
  Clock& clock_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<Pending> queue_;
  bool busy_ = false;
  bool stop_ = false;
  // Owned by the delivery thread.
  std::map<std::string, Series> series_;
  std::map<std::string, Bucket> buckets_;
  int64_t last_name_nanos_ = 0;
  std::atomic<uint64_t> dropped_queue_full_{0};
  std::atomic<uint64_t> dropped_rate_limited_{0};
  std::atomic<uint64_t> failed_{0};
  std::thread thread_;
};

// Cuts `note` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string TruncateUtf8(const std::string& note, size_t max_bytes);

}  // namespace mdo::kube
