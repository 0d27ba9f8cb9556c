// Asking DNS questions from a check. A check adds its independent questions to a QuestionBatch
// and takes the answers in any order: the questions go out together, in one
// Resolver::ResolveAll, at the first Get() that needs one of them (on the wire resolver,
// exchanged on the checking thread: one burst out, one wake-up for the answers). Ask() is the
// one-question form.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

#include "dns/resolver.h"

namespace mdo::checks {

// One question, asked and waited for (Resolver::Resolve: on the wire resolver, exchanged on the
// calling thread).
dns::Answer Ask(dns::Resolver& resolver, std::string_view name, dns::RecordType type);

// Questions asked together, answers taken in any order. One thread adds and takes. Questions
// added after a Get() go out at the next Get() that needs one of them.
class QuestionBatch {
 public:
  explicit QuestionBatch(dns::Resolver& resolver) : resolver_(resolver) {}
  QuestionBatch(const QuestionBatch&) = delete;
  QuestionBatch& operator=(const QuestionBatch&) = delete;

  // Queues the question; returns its index for Get().
  std::size_t Add(std::string_view name, dns::RecordType type);
  // The answer to question `index`, asking every queued question first if it is one of them.
  // Valid until the batch dies.
  const dns::Answer& Get(std::size_t index);
  std::size_t size() const { return slots_.size(); }

 private:
  struct Slot {
    std::string name;
    dns::RecordType type;
    dns::Answer answer;
  };
  dns::Resolver& resolver_;
  std::deque<Slot> slots_;    // a deque: answers keep their address while more are added
  std::size_t answered_ = 0;  // slots_[0, answered_) hold their answers
};

}  // namespace mdo::checks
