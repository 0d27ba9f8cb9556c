#include "checks/questions.h"

#include <cassert>
#include <vector>

namespace mdo::checks {

dns::Answer Ask(dns::Resolver& resolver, std::string_view name, dns::RecordType type) {
  return resolver.Resolve(name, type);
}

std::size_t QuestionBatch::Add(std::string_view name, dns::RecordType type) {
  slots_.push_back({std::string(name), type, {}});
  return slots_.size() - 1;
}

const dns::Answer& QuestionBatch::Get(std::size_t index) {
  assert(index < slots_.size());
  if (index >= answered_) {
    std::vector<dns::Question> questions;
    questions.reserve(slots_.size() - answered_);
    for (std::size_t i = answered_; i < slots_.size(); ++i) {
      questions.push_back({slots_[i].name, slots_[i].type});
    }
    std::vector<dns::Answer> answers = resolver_.ResolveAll(questions);
    for (std::size_t i = answered_; i < slots_.size(); ++i) {
      slots_[i].answer = std::move(answers[i - answered_]);
    }
    answered_ = slots_.size();
  }
  return slots_[index].answer;
}

}  // namespace mdo::checks
