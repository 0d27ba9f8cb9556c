// The production DomainChecker: the same check engine as maildomain-check, over the operator's
// one shared resolver (and so its cache, shared by every MailDomain).
#pragma once

#include <functional>

#include "controller/reconciler.h"
#include "dns/resolver.h"
#include "report/domain_report.h"

namespace mdo::controller {

class EngineChecker : public DomainChecker {
 public:
  // `clear_cache` forgets the shared DNS cache before a check that asks for fresh answers.
  EngineChecker(dns::Resolver& resolver, report::ReportOptions options,
                std::function<void()> clear_cache = {})
      : resolver_(resolver), options_(std::move(options)), clear_cache_(std::move(clear_cache)) {}

  Result<nlohmann::json> Check(const nlohmann::json& spec, bool fresh_dns) override;

 private:
  dns::Resolver& resolver_;
  report::ReportOptions options_;
  std::function<void()> clear_cache_;
};

}  // namespace mdo::controller
