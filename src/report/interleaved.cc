#include "report/interleaved.h"

#include <utility>
#include <vector>

namespace mdo::report {

void RunChecksInterleaved(
    dns::Resolver& resolver, const std::function<const api::MailDomainSpec*()>& next,
    const ReportOptions& options, const dns::InterleaverOptions& interleaved,
    const std::function<void(const api::MailDomainSpec&, DomainReport)>& done) {
  ReportOptions fiber_options = options;
  fiber_options.pool = nullptr;
  dns::InterleavingResolver batching(resolver);
  // Reports are handed to `done` from `take`, outside the fibers.
  std::vector<std::pair<const api::MailDomainSpec*, DomainReport>> finished;
  auto hand_over = [&] {
    for (auto& [spec, report] : finished) done(*spec, std::move(report));
    finished.clear();
  };
  dns::Interleaver interleaver(interleaved);
  interleaver.Run([&](bool, std::function<void()>& task) {
    hand_over();
    const api::MailDomainSpec* spec = next();
    if (spec == nullptr) return false;
    task = [spec, &batching, &fiber_options, &finished] {
      DomainReport report = RunChecks(batching, *spec, fiber_options);
      finished.emplace_back(spec, std::move(report));
    };
    return true;
  });
  hand_over();
}

}  // namespace mdo::report
