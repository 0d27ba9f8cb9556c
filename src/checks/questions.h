// Waiting for DNS answers without a promise/future pair per question. A check asks its
// independent questions together through a QuestionBatch and sleeps once, until the answer it
// needs next is in (the rest of the burst usually is too); Ask() is the one-question form. Both
// answer cache hits (callbacks run inside Query) without any allocation or thread hand-off.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string_view>

#include "dns/resolver.h"

namespace mdo::checks {

// One question, asked and waited for (Resolver::Resolve: on the wire resolver, exchanged on the
// calling thread).
dns::Answer Ask(dns::Resolver& resolver, std::string_view name, dns::RecordType type);

// Questions asked at once, answers taken in any order. Not thread-safe: one thread asks and
// takes; answers may arrive on any thread. The destructor waits for answers still due, since
// their callbacks refer to the batch.
class QuestionBatch {
 public:
  explicit QuestionBatch(dns::Resolver& resolver) : resolver_(resolver) {}
  ~QuestionBatch();
  QuestionBatch(const QuestionBatch&) = delete;
  QuestionBatch& operator=(const QuestionBatch&) = delete;

  // Sends the question now; returns its index for Get().
  std::size_t Add(std::string_view name, dns::RecordType type);
  // The answer to question `index`, waiting for it if needed. Valid until the batch dies.
  const dns::Answer& Get(std::size_t index);
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    dns::Answer answer;
    bool done = false;
  };
  dns::Resolver& resolver_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Slot> slots_;  // a deque: slots keep their address while more are added
  std::size_t size_ = 0;
  std::size_t outstanding_ = 0;
  const Slot* awaited_ = nullptr;  // the slot the owner sleeps for, or nullptr
  bool draining_ = false;          // the destructor waits for outstanding_ == 0
};

}  // namespace mdo::checks
