// The wire resolver: c-ares 1.18 driven by one event-loop thread. Many questions are in flight
// at once; Query() may be called from any thread (including from a callback); callbacks run on
// the loop thread. Answers are parsed from the raw message by dns/message.h, so every record
// type gets its TTL and SERVFAIL, REFUSED, NXDOMAIN and NODATA stay apart.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/resolver.h"
#include "dns/server_address.h"

namespace mdo::dns {

class AresResolver : public Resolver {
 public:
  struct Options {
    // Asked in order (c-ares moves to the next one on timeout). Empty: /etc/resolv.conf.
    std::vector<ServerAddress> servers;
    // Per try; c-ares doubles it on each round over the server list, so one server with
    // timeout T and 2 attempts gives up after about 3T.
    int timeout_ms = 2000;
    int attempts = 2;
    // Questions sent at once; more wait in a queue (first in, first out).
    std::size_t max_in_flight = 256;
    // EDNS0 UDP payload size advertised (RFC 6891; 1232 avoids IP fragmentation).
    int edns_udp_size = 1232;
  };

  static Result<std::unique_ptr<AresResolver>> Create(const Options& options);
  // Cancels what is pending (callbacks get kCancelled) and joins the loop thread.
  ~AresResolver() override;

  void Query(std::string_view name, RecordType type, Callback done) override;
  // Exchanges the question over UDP on the calling thread (its own connected socket, taken from
  // a per-server pool; same servers, tries, waits and answers as Query), so a caller that waits
  // anyway pays one send and one receive, not a hand-off to the loop thread and back. Truncated
  // answers, FORMERR and NOTIMP go on through Query (TCP, the retry without EDNS).
  Answer Resolve(std::string_view name, RecordType type) override;
  // The same for a batch: every question sent at once on the calling thread (at most 64 on the
  // wire per server), the answers read as they arrive, so a burst costs one wake-up.
  std::vector<Answer> ResolveAll(std::span<const Question> questions) override;

  // The servers in use, for messages and logs ("127.0.0.1:53, [::1]:53").
  const std::string& servers_text() const;

  class Impl;

 private:
  explicit AresResolver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mdo::dns
