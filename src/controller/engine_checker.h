// The production DomainChecker: the same check engine as maildomain-check, over the operator's
// one shared resolver (and so its cache, shared by every MailDomain).
#pragma once

#include "controller/reconciler.h"
#include "dns/resolver.h"
#include "report/domain_report.h"

namespace mdo::controller {

class EngineChecker : public DomainChecker {
 public:
  EngineChecker(dns::Resolver& resolver, report::ReportOptions options)
      : resolver_(resolver), options_(std::move(options)) {}

  Result<nlohmann::json> Check(const nlohmann::json& spec) override;

 private:
  dns::Resolver& resolver_;
  report::ReportOptions options_;
};

}  // namespace mdo::controller
