#include "kube/event_recorder.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "common/strings.h"

namespace mdo::kube {
namespace {

constexpr size_t kNoteLimit = 1024;

bool Retryable(const ApiError& e) { return e.IsTransport() || e.code == 429 || e.code >= 500; }

}  // namespace

Json ObjectReference::ToJson() const {
  Json ref = Json::object();
  if (!api_version.empty()) ref["apiVersion"] = api_version;
  if (!kind.empty()) ref["kind"] = kind;
  if (!namespace_name.empty()) ref["namespace"] = namespace_name;
  if (!name.empty()) ref["name"] = name;
  if (!uid.empty()) ref["uid"] = uid;
  return ref;
}

ObjectReference ObjectReference::FromObject(const Json& object) {
  ObjectReference ref;
  ref.api_version = JsonString(object, "apiVersion");
  ref.kind = JsonString(object, "kind");
  ref.namespace_name = MetaString(object, "namespace");
  ref.name = MetaString(object, "name");
  ref.uid = MetaString(object, "uid");
  return ref;
}

std::string ObjectReference::Key() const {
  return api_version + "|" + kind + "|" + namespace_name + "|" + name + "|" + uid;
}

std::string TruncateUtf8(const std::string& note, size_t max_bytes) {
  if (note.size() <= max_bytes) return note;
  size_t cut = max_bytes;
  // Back up over continuation bytes so the cut lands on a character boundary.
  while (cut > 0 && (static_cast<unsigned char>(note[cut]) & 0xC0) == 0x80) --cut;
  return note.substr(0, cut);
}

Json ToCoreV1Event(const Json& event) {
  Json core = Json::object();
  core["apiVersion"] = "v1";
  core["kind"] = "Event";
  core["metadata"] = event.value("metadata", Json::object());
  core["involvedObject"] = event.value("regarding", Json::object());
  if (event.contains("related")) core["related"] = event["related"];
  core["reason"] = JsonString(event, "reason");
  core["message"] = JsonString(event, "note");
  core["type"] = JsonString(event, "type");
  core["action"] = JsonString(event, "action");
  std::string controller = JsonString(event, "reportingController");
  core["reportingComponent"] = controller;
  core["reportingInstance"] = JsonString(event, "reportingInstance");
  core["source"] = {{"component", controller}};
  // Legacy events carry second-precision timestamps and a count.
  std::string when = JsonString(event, "eventTime");
  Clock::WallTime t;
  std::string seconds = ParseRfc3339(when, &t) ? FormatTime(t) : when;
  core["firstTimestamp"] = seconds;
  core["lastTimestamp"] = seconds;
  core["count"] = 1;
  return core;
}

Json ToCoreV1Patch(const Json& patch) {
  Json core = Json::object();
  if (auto s = patch.find("series"); s != patch.end() && s->is_object()) {
    if (auto c = s->find("count"); c != s->end()) core["count"] = *c;
    std::string last = JsonString(*s, "lastObservedTime");
    Clock::WallTime t;
    if (ParseRfc3339(last, &t)) core["lastTimestamp"] = FormatTime(t);
  }
  return core;
}

bool ApiEventSink::UsingCoreV1() {
  std::lock_guard lock(mutex_);
  if (!core_v1_) {
    auto group = api_.GetPath("/apis/events.k8s.io/v1");
    if (group) {
      core_v1_ = false;
    } else if (group.error().IsNotFound()) {
      spdlog::info("kube: events.k8s.io/v1 is not served; writing core/v1 events");
      core_v1_ = true;
    } else {
      return false;  // undecided: try the modern API and ask again next time
    }
  }
  return *core_v1_;
}

ApiResult<Json> ApiEventSink::Create(const std::string& ns, const Json& event) {
  if (UsingCoreV1()) return api_.Create(resources::kCoreEvents, ns, ToCoreV1Event(event));
  return api_.Create(resources::kEvents, ns, event);
}

ApiResult<Json> ApiEventSink::Patch(const std::string& ns, const std::string& name,
                                    const Json& patch) {
  if (UsingCoreV1()) {
    return api_.Patch(resources::kCoreEvents, ns, name, PatchType::kMerge, ToCoreV1Patch(patch));
  }
  return api_.Patch(resources::kEvents, ns, name, PatchType::kMerge, patch);
}

EventRecorder::EventRecorder(EventSink& sink, EventRecorderOptions options, Clock& clock)
    : sink_(sink), options_(std::move(options)), clock_(clock) {
  if (options_.reporting_instance.empty()) {
    options_.reporting_instance = options_.reporting_controller;
  }
  thread_ = std::thread([this] { Loop(); });
}

EventRecorder::~EventRecorder() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void EventRecorder::Event(const ObjectReference& regarding, const std::string& type,
                          const std::string& reason, const std::string& action,
                          const std::string& note, const std::optional<ObjectReference>& related) {
  assert(type == "Normal" || type == "Warning");
  std::lock_guard lock(mutex_);
  if (stop_) return;
  if (queue_.size() >= options_.queue_capacity) {
    ++dropped_queue_full_;
    return;
  }
  queue_.push_back(Pending{regarding, related, type, reason, action, note, clock_.WallNow()});
  cv_.notify_one();
}

bool EventRecorder::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_cv_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_; });
}

void EventRecorder::Loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) break;
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Handle(p);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
  queue_.clear();
  busy_ = false;
  idle_cv_.notify_all();
}

bool EventRecorder::Allow(const std::string& object_key) {
  auto now = clock_.Now();
  auto it = buckets_.find(object_key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_tracked) {
      // Forget the least recently used object's bucket.
      auto oldest = buckets_.begin();
      for (auto b = buckets_.begin(); b != buckets_.end(); ++b) {
        if (b->second.last_used < oldest->second.last_used) oldest = b;
      }
      buckets_.erase(oldest);
    }
    double per_second = 1.0 / std::chrono::duration<double>(options_.refill_interval).count();
    it = buckets_.emplace(object_key, Bucket{TokenBucket(per_second, options_.burst, now), now})
             .first;
  }
  it->second.last_used = now;
  return it->second.bucket.TryTake(now);
}

void EventRecorder::EvictIdle(Clock::TimePoint now) {
  for (auto it = series_.begin(); it != series_.end();) {
    if (now - it->second.last_seen > options_.series_idle) {
      it = series_.erase(it);
    } else {
      ++it;
    }
  }
  while (series_.size() > options_.max_tracked) {
    auto oldest = series_.begin();
    for (auto s = series_.begin(); s != series_.end(); ++s) {
      if (s->second.last_seen < oldest->second.last_seen) oldest = s;
    }
    series_.erase(oldest);
  }
}

std::string EventRecorder::NextName(const std::string& object_name, Clock::WallTime when) {
  int64_t nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
  if (nanos <= last_name_nanos_) nanos = last_name_nanos_ + 1;  // unique even on a frozen clock
  last_name_nanos_ = nanos;
  char hex[32];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(nanos));
  std::string base = AsciiLower(object_name.empty() ? "event" : object_name);
  if (base.size() > 200) base.resize(200);
  return base + "." + hex;
}

template <typename F>
ApiResult<Json> EventRecorder::Deliver(F&& call) {
  for (int attempt = 1;; ++attempt) {
    auto result = call();
    if (result || attempt >= options_.max_attempts || !Retryable(result.error())) return result;
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, options_.retry_delay * attempt, [&] { return stop_; })) return result;
  }
}

void EventRecorder::Handle(const Pending& p) {
  auto now = clock_.Now();
  EvictIdle(now);
  std::string object_key = p.regarding.Key();
  if (!Allow(object_key + "|" + p.type)) {
    ++dropped_rate_limited_;
    spdlog::debug("kube: event {} on {} dropped by the rate limit", p.reason, p.regarding.name);
    return;
  }
  std::string series_key = object_key + "|" + (p.related ? p.related->Key() : "") + "|" + p.type +
                           "|" + p.reason + "|" + p.action + "|" + options_.reporting_controller +
                           "|" + options_.reporting_instance;
  std::string ns = p.regarding.namespace_name.empty() ? "default" : p.regarding.namespace_name;

  if (auto it = series_.find(series_key); it != series_.end()) {
    Series& s = it->second;
    s.count += 1;
    s.last_seen = now;
    Json patch = {{"series", {{"count", s.count}, {"lastObservedTime", FormatMicroTime(p.when)}}}};
    auto patched = Deliver([&] { return sink_.Patch(s.ns, s.name, patch); });
    if (patched) return;
    if (!patched.error().IsNotFound()) {
      ++failed_;
      spdlog::warn("kube: updating event {}/{} failed: {}", s.ns, s.name,
                   patched.error().ToString());
      return;
    }
    series_.erase(it);  // the event was deleted (TTL): start over
  }

  Json event = {{"apiVersion", "events.k8s.io/v1"},
                {"kind", "Event"},
                {"metadata", {{"name", NextName(p.regarding.name, p.when)}, {"namespace", ns}}},
                {"eventTime", FormatMicroTime(p.when)},
                {"reportingController", options_.reporting_controller},
                {"reportingInstance", options_.reporting_instance},
                {"action", p.action},
                {"reason", p.reason},
                {"type", p.type},
                {"note", TruncateUtf8(p.note, kNoteLimit)},
                {"regarding", p.regarding.ToJson()}};
  if (p.related) event["related"] = p.related->ToJson();
  auto created = Deliver([&] { return sink_.Create(ns, event); });
  if (!created) {
    ++failed_;
    spdlog::warn("kube: writing event {} on {}/{} failed: {}", p.reason, ns, p.regarding.name,
                 created.error().ToString());
    return;
  }
  series_[series_key] = Series{ns, MetaString(event, "name"), 1, now};
}

}  // namespace mdo::kube
