// maildomain-check (DESIGN section 3) as a library: argument parsing, running the report and
// printing it. main.cc only wires the real streams and resolver, so tests drive every path
// in-process with a MemoryResolver.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/make_resolver.h"
#include "dns/resolver.h"

namespace mdo::cli {

// Exit statuses (DESIGN section 3).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitIncomplete = 3;

using ResolverFactory =
    std::function<Result<std::shared_ptr<dns::Resolver>>(const dns::ResolverOptions&)>;

// The production factory: c-ares behind the cache (dns::MakeResolver).
Result<std::shared_ptr<dns::Resolver>> MakeWireResolver(const dns::ResolverOptions& options);

struct CliContext {
  std::ostream& out;
  std::ostream& err;
  bool color = false;  // colour the human report (stdout is a terminal and NO_COLOR is unset)
  ResolverFactory make_resolver = MakeWireResolver;
};

// `args` excludes the program name. Returns the process exit status.
int RunMailDomainCheck(const std::vector<std::string>& args, const CliContext& context);

std::string Usage();

}  // namespace mdo::cli
