#include "dns/make_resolver.h"

#include "dns/ares_resolver.h"

namespace mdo::dns {

Result<std::shared_ptr<CachingResolver>> MakeResolver(const ResolverOptions& options) {
  AresResolver::Options wire;
  for (const auto& text : options.servers) {
    auto server = ParseServerAddress(text);
    if (!server.ok()) return MakeUnexpected(server.error());
    wire.servers.push_back(*server);
  }
  wire.timeout_ms = options.timeout_ms;
  wire.attempts = options.attempts;
  wire.max_in_flight = options.max_in_flight;
  auto ares = AresResolver::Create(wire);
  if (!ares.ok()) return MakeUnexpected(ares.error());
  std::shared_ptr<Resolver> upstream = std::move(ares).value();
  return std::make_shared<CachingResolver>(std::move(upstream), options.cache);
}

}  // namespace mdo::dns
