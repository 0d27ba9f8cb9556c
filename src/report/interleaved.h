// Many domains checked at once on one thread: RunChecks for each, on a dns::Interleaver.
#pragma once

#include <functional>

#include "api/maildomain.h"
#include "dns/interleaver.h"
#include "dns/resolver.h"
#include "report/domain_report.h"

namespace mdo::report {

// Runs RunChecks(resolver, spec, options) for every spec `next` gives (nullptr: no more), up to
// `interleaved.in_flight` at once, all on the calling thread, and hands each report to `done` as
// each domain finishes (not in `next`'s order). The reports are the ones RunChecks gives for each
// domain alone. `options.pool` is not used: every check of a domain runs on its fiber. `next`
// and `done` are called outside the fibers and may block.
void RunChecksInterleaved(
    dns::Resolver& resolver, const std::function<const api::MailDomainSpec*()>& next,
    const ReportOptions& options, const dns::InterleaverOptions& interleaved,
    const std::function<void(const api::MailDomainSpec&, DomainReport)>& done);

}  // namespace mdo::report
