#include "support/wire_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

namespace mdo::testing {

namespace {

struct Reader {
  const std::vector<std::uint8_t>& msg;
  std::size_t pos = 0;
  bool ok = true;

  std::uint16_t U16() {
    if (pos + 2 > msg.size()) return ok = false, 0;
    std::uint16_t v = static_cast<std::uint16_t>(msg[pos] << 8 | msg[pos + 1]);
    pos += 2;
    return v;
  }
  std::uint32_t U32() {
    std::uint32_t hi = U16();
    return hi << 16 | U16();
  }
  // Skips a possibly compressed name at pos.
  void SkipName() {
    for (int labels = 0; ok && labels < 128; ++labels) {
      if (pos >= msg.size()) return void(ok = false);
      std::uint8_t len = msg[pos];
      if ((len & 0xC0) == 0xC0) return void(pos += 2);
      ++pos;
      if (len == 0) return;
      pos += len;
    }
    ok = false;
  }
};

}  // namespace

std::vector<std::uint8_t> BuildQuery(std::string_view name, std::uint16_t qtype, std::uint16_t id) {
  std::vector<std::uint8_t> q = {static_cast<std::uint8_t>(id >> 8),
                                 static_cast<std::uint8_t>(id & 0xFF),
                                 0x01,
                                 0x00,
                                 0,
                                 1,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0};
  while (!name.empty()) {
    auto dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    if (!label.empty()) {
      q.push_back(static_cast<std::uint8_t>(label.size()));
      q.insert(q.end(), label.begin(), label.end());
    }
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  q.push_back(0);
  q.push_back(static_cast<std::uint8_t>(qtype >> 8));
  q.push_back(static_cast<std::uint8_t>(qtype & 0xFF));
  q.push_back(0);
  q.push_back(1);
  return q;
}

std::optional<ProbeReply> ProbeUdp(int port, std::string_view name, std::uint16_t qtype,
                                   std::chrono::milliseconds timeout) {
  static thread_local std::mt19937 rng(std::random_device{}());
  std::uint16_t id = static_cast<std::uint16_t>(rng());
  std::vector<std::uint8_t> query = BuildQuery(name, qtype, id);
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::optional<ProbeReply> result;
  if (::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&addr),
               sizeof addr) == static_cast<ssize_t>(query.size())) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!result) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      std::vector<std::uint8_t> msg(65536);
      ssize_t n = ::recv(fd, msg.data(), msg.size(), 0);
      if (n < 12) continue;
      msg.resize(static_cast<std::size_t>(n));
      Reader r{msg};
      if (r.U16() != id) continue;
      std::uint16_t flags = r.U16();
      ProbeReply reply;
      reply.rcode = flags & 0x0F;
      reply.truncated = (flags & 0x0200) != 0;
      std::uint16_t qd = r.U16();
      reply.answer_count = r.U16();
      r.pos = 12;
      for (int i = 0; i < qd && r.ok; ++i) {
        r.SkipName();
        r.pos += 4;
      }
      for (int i = 0; i < reply.answer_count && r.ok; ++i) {
        r.SkipName();
        std::uint16_t type = r.U16();
        r.U16();
        r.U32();
        std::uint16_t rdlen = r.U16();
        if (!r.ok || r.pos + rdlen > msg.size()) break;
        std::size_t end = r.pos + rdlen;
        if (type == 6 && !reply.soa_serial) {
          r.SkipName();
          r.SkipName();
          std::uint32_t serial = r.U32();
          if (r.ok) reply.soa_serial = serial;
        } else if (type == 16) {
          std::string text;
          std::size_t p = r.pos;
          while (p < end) {
            std::size_t len = msg[p++];
            if (p + len > end) break;
            text.append(reinterpret_cast<const char*>(&msg[p]), len);
            p += len;
          }
          reply.txt.push_back(text);
        }
        r.pos = end;
      }
      result = reply;
    }
  }
  ::close(fd);
  return result;
}

}  // namespace mdo::testing
