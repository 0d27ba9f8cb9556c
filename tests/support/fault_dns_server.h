// The fault-injecting DNS server (fault_dns.py, run with /usr/bin/python3 and Debian's dnslib)
// on a loopback port of its own. The question name's first label picks the fault; see the
// script's docstring for the list.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "support/process.h"
#include "support/test_env.h"

namespace mdo::testing {

class FaultDnsServer {
 public:
  // Starts the script and returns once it prints "ready PORT".
  static Result<std::unique_ptr<FaultDnsServer>> Start();
  ~FaultDnsServer();

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Queries received so far (all names), read over the wire with a control query; -1 when the
  // server does not answer.
  int QueryCount() const;
  // Queries received for one name (as asked, case-insensitive), over any transport or TCP only.
  int QueryCount(std::string_view name) const;
  int TcpQueryCount(std::string_view name) const;
  void ResetCounts() const;

  // The script's stderr so far, for assertion messages.
  std::string Log() const;

 private:
  FaultDnsServer() = default;
  int ControlQuery(const std::string& name) const;

  TempDir dir_{"mdo-faultdns"};
  int port_ = 0;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace mdo::testing
