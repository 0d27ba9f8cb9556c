// A tiny blocking DNS client for fixtures: readiness probes and control queries. Deliberately
// independent of src/dns so the fixtures can test the engine.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mdo::testing {

std::vector<std::uint8_t> BuildQuery(std::string_view name, std::uint16_t qtype, std::uint16_t id);

struct ProbeReply {
  int rcode = -1;
  bool truncated = false;
  int answer_count = 0;
  std::optional<std::uint32_t> soa_serial;  // from the first SOA in the answer section
  std::vector<std::string> txt;             // TXT records of the answer, strings joined
};

// Sends one query over UDP to 127.0.0.1:port and waits up to `timeout` for the reply with the
// same id; nullopt on timeout or an unparseable reply.
std::optional<ProbeReply> ProbeUdp(int port, std::string_view name, std::uint16_t qtype,
                                   std::chrono::milliseconds timeout);

}  // namespace mdo::testing
