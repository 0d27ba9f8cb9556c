// The production resolver stack: c-ares on the wire, the shared cache in front.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/caching_resolver.h"

namespace mdo::dns {

struct ResolverOptions {
  // "HOST[:PORT]" strings as given by --dns-server or the config file; empty: /etc/resolv.conf.
  std::vector<std::string> servers;
  int timeout_ms = 2000;  // per try (see AresResolver::Options)
  int attempts = 2;
  std::size_t max_in_flight = 256;
  CacheOptions cache;
};

// Fails with a message naming the bad server address, or when c-ares cannot start.
Result<std::shared_ptr<CachingResolver>> MakeResolver(const ResolverOptions& options);

}  // namespace mdo::dns
