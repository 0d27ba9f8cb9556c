// client-go's rate-limited work queue for string keys ("namespace/name"):
// - an item queued twice is queued once (the dirty set);
// - an item being processed is never handed to a second worker: adding it meanwhile marks it
//   dirty and Done() queues it again;
// - AddAfter delays an item; AddRateLimited delays it by the rate limiter (per-item
//   exponential backoff under an overall bucket); Forget resets its backoff;
// - ShutDown stops new adds and wakes workers; Get keeps returning what is already queued and
//   then nullopt. ShutDownWithDrain also waits until every item in flight is Done.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "kube/clock.h"
#include "kube/rate_limiter.h"

namespace mdo::kube {

class WorkQueue {
 public:
  // Null limiter: DefaultControllerRateLimiter(clock).
  explicit WorkQueue(Clock& clock = SystemClock::Instance(),
                     std::unique_ptr<RateLimiter> limiter = nullptr);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& key);
  void AddAfter(const std::string& key, Clock::Duration delay);
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key);

  // Blocks until an item is ready; nullopt once shut down and empty.
  std::optional<std::string> Get();
  // A ready item if there is one now, else nullopt (never blocks).
  std::optional<std::string> TryGet();
  void Done(const std::string& key);

  size_t Len() const;         // items ready to be handed out
  size_t DelayedLen() const;  // items waiting for their delay
  bool ShuttingDown() const;
  void ShutDown();
  void ShutDownWithDrain();

 private:
  void AddLocked(const std::string& key);
  std::optional<std::string> TakeFrontLocked();
  void DelayLoop();

  Clock& clock_;
  std::unique_ptr<RateLimiter> limiter_;
  mutable std::mutex mutex_;
  std::condition_variable ready_cv_;    // workers wait for items
  std::condition_variable delay_cv_;    // the delay thread waits for the next deadline
  std::condition_variable drained_cv_;  // ShutDownWithDrain waits for processing to empty
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;
  std::set<std::string> processing_;
  std::map<std::string, Clock::TimePoint> waiting_;         // delayed key -> when it is due
  std::set<std::pair<Clock::TimePoint, std::string>> due_;  // the same, ordered by time
  bool shutting_down_ = false;
  std::thread delay_thread_;
};

}  // namespace mdo::kube
