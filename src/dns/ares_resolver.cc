#include "dns/ares_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

#include "common/strings.h"
#include "dns/message.h"

namespace mdo::dns {

namespace {

constexpr int kClassIn = 1;
constexpr int kMaxPollMs = 1000;
// Receive buffer per socket for this many bytes per question in flight: a burst of answers
// (256 x 1232-byte EDNS answers, each charged ~2-3 KB by the kernel) must not overflow the
// default 208 KB buffer while the loop thread waits for a CPU; a dropped answer costs a
// timeout. The kernel caps it at net.core.rmem_max.
constexpr std::size_t kReceiveBufferPerQuestion = 4096;
constexpr std::size_t kMinReceiveBuffer = 256 * 1024;

// A hint to the CPU inside a spin loop (it saves power and yields to a sibling hyperthread).
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// A random query ID. Drawn from arc4random_buf() 256 at a time: glibc's arc4random() makes a
// getrandom() system call on every call, ~2% of a fleet pass's CPU.
std::uint16_t NextQueryId() {
  thread_local std::array<std::uint16_t, 256> ids;
  thread_local std::size_t next = ids.size();
  if (next == ids.size()) {
    arc4random_buf(ids.data(), sizeof ids);
    next = 0;
  }
  return ids[next++];
}

Status InitAresLibrary() {
  static std::once_flag once;
  static int status = ARES_SUCCESS;
  std::call_once(once, [] { status = ares_library_init(ARES_LIB_INIT_ALL); });
  if (status != ARES_SUCCESS) return Fail(std::string("c-ares: ") + ares_strerror(status));
  return {};
}

}  // namespace

class AresResolver::Impl {
 public:
  explicit Impl(const Options& options) : options_(options) {}

  ~Impl() {
    for (auto& pool : direct_sockets_) {
      for (DirectSocket& socket : pool.idle) ::close(socket.fd);
    }
    if (thread_.joinable()) {
      {
        std::lock_guard lock(mu_);
        stopping_ = true;
      }
      WriteWake();
      thread_.join();
    }
    if (channel_ != nullptr) ares_destroy(channel_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Status Init() {
    if (Status s = InitAresLibrary(); !s.ok()) return s;
    if (options_.servers.empty()) options_.servers = SystemServers();
    if (options_.timeout_ms <= 0) return Fail("DNS timeout must be positive");
    if (options_.attempts <= 0) return Fail("DNS attempts must be at least 1");
    if (options_.max_in_flight == 0) options_.max_in_flight = 1;
    for (const auto& server : options_.servers) {
      if (!servers_text_.empty()) servers_text_ += ", ";
      servers_text_ += server.ToString();
    }
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) return Fail(std::string("eventfd: ") + std::strerror(errno));

    ares_options opts{};
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ |
               ARES_OPT_LOOKUPS | ARES_OPT_DOMAINS | ARES_OPT_SOCK_STATE_CB | ARES_OPT_SOCK_RCVBUF;
    // EDNS0 so DKIM keys fit in UDP; NOCHECKRESP so SERVFAIL and REFUSED reach us as such
    // instead of "could not contact servers"; never IGNTC: truncated answers are retried on TCP.
    opts.flags = ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
    opts.timeout = options_.timeout_ms;
    opts.tries = options_.attempts;
    opts.ednspsz = options_.edns_udp_size;
    char lookups[] = "b";  // DNS only, never /etc/hosts
    opts.lookups = lookups;
    opts.domains = nullptr;
    opts.ndomains = 0;
    opts.sock_state_cb = &Impl::OnSocketState;
    opts.sock_state_cb_data = this;
    opts.socket_receive_buffer_size = static_cast<int>(std::min<std::size_t>(
        std::max(kMinReceiveBuffer, options_.max_in_flight * kReceiveBufferPerQuestion),
        64 * 1024 * 1024));
    int status = ares_init_options(&channel_, &opts, mask);
    if (status != ARES_SUCCESS) {
      channel_ = nullptr;
      return Fail(std::string("c-ares init: ") + ares_strerror(status));
    }
    std::vector<ares_addr_port_node> nodes(options_.servers.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const ServerAddress& server = options_.servers[i];
      ares_addr_port_node& node = nodes[i];
      node.next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
      node.udp_port = server.port;
      node.tcp_port = server.port;
      if (server.ip.is_v4()) {
        node.family = AF_INET;
        std::memcpy(&node.addr.addr4, server.ip.bytes(), 4);
      } else {
        node.family = AF_INET6;
        std::memcpy(&node.addr.addr6, server.ip.bytes(), 16);
      }
    }
    status = ares_set_servers_ports(channel_, nodes.empty() ? nullptr : nodes.data());
    if (status != ARES_SUCCESS)
      return Fail(std::string("c-ares servers: ") + ares_strerror(status));
    direct_sockets_ = std::vector<SocketPool>(options_.servers.size());
    thread_ = std::thread([this] { Run(); });
    return {};
  }

  // The questions exchanged over UDP on the calling thread, each trying the servers in turn as
  // c-ares does (the wait doubles on each round over the list). An answer is nullopt when it
  // needs what only c-ares does: TCP after a truncated answer, a retry without EDNS after FORMERR
  // or NOTIMP, or a name c-ares cannot encode (its error message is the one to give). Names must
  // be normalised.
  std::vector<std::optional<Answer>> ExchangeAll(std::span<const Question> questions) {
    Exchange exchange(*this, questions);
    exchange.Run();
    return exchange.TakeResults();
  }

  void Query(std::string_view name, RecordType type, Callback done) {
    auto request = std::make_unique<Request>();
    request->name = NormalizeDnsName(name);
    request->type = type;
    request->done = std::move(done);
    request->impl = this;
    // Asked on the loop thread (from an answer's callback, as chained lookups do): send at once
    // while under the bound. Queueing it would hold it back until every answer already waiting
    // has been read, so the client and the server would take turns instead of overlapping.
    // Queued on the loop thread, it needs no wake: the loop sends from the queue as answers
    // free slots and before it polls again.
    const bool on_loop = std::this_thread::get_id() == loop_id_.load(std::memory_order_relaxed);
    bool send_now = false;
    {
      std::lock_guard lock(mu_);
      if (!stopping_) {
        send_now = on_loop && queue_.empty() && in_flight_ < options_.max_in_flight;
        if (!send_now) {
          queue_.push_back(std::move(request));
          queued_.store(queue_.size(), std::memory_order_relaxed);
        }
      }
    }
    // Outside the lock: c-ares may answer synchronously, and that callback may ask again.
    if (send_now) {
      Send(std::move(request));
      return;
    }
    if (request) {
      Cancelled(*request);
      return;
    }
    if (!on_loop) Wake();
  }

  const std::string& servers_text() const { return servers_text_; }

 private:
  struct Request {
    std::string name;
    RecordType type = RecordType::kA;
    Callback done;
    Impl* impl = nullptr;
  };

  // A UDP socket connected to one server (so the kernel drops datagrams from anyone else), with
  // room for the largest datagram. Pooled per server: one per thread exchanging at once.
  struct DirectSocket {
    int fd = -1;
    std::unique_ptr<std::uint8_t[]> buffer;
  };
  static constexpr std::size_t kDatagramMax = 65536;

  struct SocketPool {
    std::mutex mu;
    std::vector<DirectSocket> idle;  // guarded by mu
    // Recent round-trip time to this server in microseconds (a moving average; 0: none yet).
    std::atomic<std::uint32_t> rtt_us{0};
  };

  // Waiting for a fast server's answer by polling the socket for a short while instead of
  // sleeping at once: on a virtual machine a sleeping thread's wake-up can take longer than a
  // local server's whole round trip (a loopback Knot answers in ~25 us; the wake-up of a thread
  // sleeping in poll() took 50-150 us here). Only when the server recently answered within the
  // budget, for at most twice its round trip, and for a bounded number of threads at once, so
  // that spinning never takes the CPU the server or the other workers need. A remote server
  // (round trip above the budget) is never spun for.
  static constexpr std::uint32_t kSpinBudgetUs = 200;

  std::chrono::microseconds SpinFor(const SocketPool& pool) const {
    const std::uint32_t rtt = pool.rtt_us.load(std::memory_order_relaxed);
    if (rtt == 0 || rtt > kSpinBudgetUs) return std::chrono::microseconds(0);
    return std::chrono::microseconds(std::min(kSpinBudgetUs, 2 * rtt + 10));
  }

  // Spinning pays only when the answer usually comes while the thread spins. On a machine whose
  // CPUs are all busy (a fleet pass on two cores beside a local server), the server waits for a
  // CPU, the spin runs out and the thread sleeps anyway, having taken CPU the server and the
  // other workers needed (7% of a fleet pass's CPU here). So the share of spins that ended with
  // an answer is kept (a moving average, out of 256), spinning stops below one half, and every
  // 32nd wait spins anyway to notice when spinning pays again.
  bool SpinningPays() {
    if (spin_wins_.load(std::memory_order_relaxed) >= 128) return true;
    return spin_probes_.fetch_add(1, std::memory_order_relaxed) % 32 == 0;
  }
  void RecordSpin(bool answered) {
    const std::uint32_t old = spin_wins_.load(std::memory_order_relaxed);
    spin_wins_.store(answered ? old + (256 - old) / 8 : old - old / 8, std::memory_order_relaxed);
  }

  static void RecordRoundTrip(SocketPool& pool, std::chrono::steady_clock::duration took) {
    const auto us = static_cast<std::uint32_t>(std::clamp<long long>(
        std::chrono::duration_cast<std::chrono::microseconds>(took).count(), 1, 10'000'000));
    const std::uint32_t old = pool.rtt_us.load(std::memory_order_relaxed);
    pool.rtt_us.store(old == 0 ? us : (7 * old + us) / 8, std::memory_order_relaxed);
  }

  DirectSocket TakeSocket(std::size_t server) {
    SocketPool& pool = direct_sockets_[server];
    {
      std::lock_guard lock(pool.mu);
      if (!pool.idle.empty()) {
        DirectSocket socket = std::move(pool.idle.back());
        pool.idle.pop_back();
        return socket;
      }
    }
    const ServerAddress& address = options_.servers[server];
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (address.ip.is_v4()) {
      auto* in = reinterpret_cast<sockaddr_in*>(&storage);
      in->sin_family = AF_INET;
      in->sin_port = htons(address.port);
      std::memcpy(&in->sin_addr, address.ip.bytes(), 4);
      length = sizeof(sockaddr_in);
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(address.port);
      std::memcpy(&in6->sin6_addr, address.ip.bytes(), 16);
      length = sizeof(sockaddr_in6);
    }
    DirectSocket socket;
    socket.fd = ::socket(storage.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (socket.fd < 0) return socket;
    if (::connect(socket.fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
      ::close(socket.fd);
      socket.fd = -1;
      return socket;
    }
    socket.buffer = std::make_unique<std::uint8_t[]>(kDatagramMax);
    return socket;
  }

  void GiveBackSocket(std::size_t server, DirectSocket socket, bool reusable) {
    SocketPool& pool = direct_sockets_[server];
    if (reusable) {
      std::lock_guard lock(pool.mu);
      if (pool.idle.size() < kMaxIdleSockets) {
        pool.idle.push_back(std::move(socket));
        return;
      }
    }
    ::close(socket.fd);
  }

  // The wait for one try in `round` (0-based): the timeout, doubled on each round, as c-ares.
  int WaitMs(int round) const {
    const long long wait = static_cast<long long>(options_.timeout_ms) << std::min(round, 16);
    return static_cast<int>(std::min<long long>(wait, kMaxTryWaitMs));
  }
  static constexpr long long kMaxTryWaitMs = 10 * 60 * 1000;

  // Where the question section of an encoded query ends (0 if it cannot be walked).
  static std::size_t QuestionEnd(const std::vector<std::uint8_t>& query) {
    std::size_t at = 12;
    while (at < query.size() && query[at] != 0) {
      if ((query[at] & 0xc0) != 0) return 0;
      at += query[at] + 1u;
    }
    at += 1 + 4;  // the root label, QTYPE and QCLASS
    return at <= query.size() ? at : 0;
  }

  // One caller's batch on the wire: each question is sent on a connected socket to its current
  // server (one socket per server, taken from the pool for the batch), at most kWindow on the
  // wire per socket, and the answers are read as they come, in any order. A question that times
  // out or is refused moves on to its next try (the next server, then the next round with twice
  // the wait). Datagrams that are not an answer to a question on the wire (a late answer to an
  // earlier try or an earlier user of the socket, a wrong ID, another question) are skipped, as
  // c-ares does.
  class Exchange {
   public:
    Exchange(Impl& impl, std::span<const Question> questions)
        : impl_(impl),
          servers_(impl.options_.servers.size()),
          results_(questions.size()),
          pending_(questions.size()),
          sockets_(servers_) {
      for (std::size_t i = 0; i < questions.size(); ++i) {
        Pending& p = pending_[i];
        p.name = questions[i].name;
        p.type = questions[i].type;
        if (Encode(p)) ready_.push_back(i);  // else nullopt: c-ares gives the error
      }
    }

    ~Exchange() {
      for (std::size_t server = 0; server < servers_; ++server) {
        BatchSocket& s = sockets_[server];
        if (s.socket.fd >= 0) impl_.GiveBackSocket(server, std::move(s.socket), true);
      }
      StopSpinning();
    }

    void Run() {
      while (true) {
        SendReady();
        if (on_wire_ == 0 && ready_.empty()) return;
        if (ReceiveAll()) {
          EndSpin(/*answered=*/true);
          continue;
        }
        if (ExpireDue()) continue;
        Wait();
      }
    }

    std::vector<std::optional<Answer>> TakeResults() { return std::move(results_); }

   private:
    // Questions on the wire per socket. A burst of answers then fits our receive buffer, and
    // the workers' bursts together (4 x 32) fit a server's default one: at 64, a fleet pass
    // overflowed Knot's 208 KiB buffer and questions were dropped (a 2 s wait each).
    static constexpr std::size_t kWindow = 32;
    using Clock = std::chrono::steady_clock;

    struct Pending {
      std::string_view name;
      RecordType type = RecordType::kA;
      std::vector<std::uint8_t> query;
      std::size_t question_end = 0;
      int tries = 0;  // tries that ended (timed out, refused)
      int timeouts = 0;
      bool refused = false;
      Clock::time_point sent, deadline;
    };
    struct BatchSocket {
      DirectSocket socket;
      std::vector<std::size_t> on_wire;  // indexes of questions sent here and not yet answered
      bool answered = false;             // some question was answered here during this batch
      bool timed_out = false;            // some try timed out here during this batch
    };

    bool Encode(Pending& p) {
      unsigned char* raw = nullptr;
      int raw_size = 0;
      const std::string name(p.name);  // c-ares wants it NUL-terminated
      const unsigned short id = NextQueryId();
      if (ares_create_query(name.c_str(), kClassIn, static_cast<int>(p.type), id, /*rd=*/1, &raw,
                            &raw_size, impl_.options_.edns_udp_size) != ARES_SUCCESS) {
        return false;
      }
      p.query.assign(raw, raw + raw_size);
      ares_free_string(raw);
      p.question_end = QuestionEnd(p.query);
      return p.question_end != 0;
    }

    std::size_t ServerOf(const Pending& p) const {
      return static_cast<std::size_t>(p.tries) % servers_;
    }

    // Sends ready questions while their sockets have room.
    void SendReady() {
      std::size_t blocked = 0;  // questions left in the queue because their socket is full
      while (ready_.size() > blocked) {
        const std::size_t i = ready_.front();
        ready_.pop_front();
        Pending& p = pending_[i];
        const std::size_t server = ServerOf(p);
        BatchSocket& s = sockets_[server];
        // A server that lets questions time out and answers none leaves nothing to fill a
        // receive buffer: its questions go out at once, so a dead server costs one wait per
        // round of tries, not one per window.
        const bool silent = s.timed_out && !s.answered;
        if (s.on_wire.size() >= kWindow && !silent) {
          ready_.push_back(i);
          ++blocked;
          continue;
        }
        if (s.socket.fd < 0) {
          s.socket = impl_.TakeSocket(server);
          // No socket to this server could be made: c-ares takes the question over.
          if (s.socket.fd < 0) continue;  // leaves results_[i] empty
        }
        if (::send(s.socket.fd, p.query.data(), p.query.size(), 0) < 0) {
          const bool refused = errno == ECONNREFUSED;
          NextTry(i, /*timed_out=*/false);
          if (!refused) DropSocket(server, /*reusable=*/false);
          continue;
        }
        p.sent = Clock::now();
        p.deadline = p.sent + std::chrono::milliseconds(impl_.WaitMs(p.tries / servers_));
        s.on_wire.push_back(i);
        ++on_wire_;
        sent_since_wait_ = true;
      }
    }

    // Reads every datagram waiting on the sockets with questions on the wire; true if any
    // question was settled (answered, refused, broken).
    bool ReceiveAll() {
      bool settled = false;
      for (std::size_t server = 0; server < servers_; ++server) {
        BatchSocket& s = sockets_[server];
        while (!s.on_wire.empty()) {
          ssize_t n = ::recv(s.socket.fd, s.socket.buffer.get(), kDatagramMax, 0);
          if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            // Refused (an ICMP error for an earlier datagram) or worse: every question on the
            // wire here moves on, as c-ares does when it drops a server's connection.
            DropSocket(server, /*reusable=*/errno == ECONNREFUSED);
            settled = true;
            break;
          }
          std::span<const std::uint8_t> message(s.socket.buffer.get(), static_cast<std::size_t>(n));
          for (std::size_t k = 0; k < s.on_wire.size(); ++k) {
            const std::size_t i = s.on_wire[k];
            Pending& p = pending_[i];
            if (!IsAnswerTo(message, p.query, p.question_end)) continue;
            s.on_wire[k] = s.on_wire.back();
            s.on_wire.pop_back();
            --on_wire_;
            s.answered = true;
            RecordRoundTrip(impl_.direct_sockets_[server], Clock::now() - p.sent);
            // Parsed now: the next datagram overwrites the socket's buffer.
            const std::uint8_t flags = message[2];
            const std::uint8_t rcode = message[3] & 0x0f;
            if ((flags & 0x02) == 0 && rcode != 1 /* FORMERR */ && rcode != 4 /* NOTIMP */) {
              results_[i] = AnswerFromMessage(message, p.name, p.type, impl_.servers_text_);
            }  // else nullopt: c-ares retries it (TCP, or without EDNS)
            settled = true;
            break;
          }
        }
      }
      return settled;
    }

    // Moves questions whose wait is over to their next try; true if there were any.
    bool ExpireDue() {
      const Clock::time_point now = Clock::now();
      bool expired = false;
      for (BatchSocket& s : sockets_) {
        for (std::size_t k = 0; k < s.on_wire.size();) {
          const std::size_t i = s.on_wire[k];
          if (pending_[i].deadline > now) {
            ++k;
            continue;
          }
          s.on_wire[k] = s.on_wire.back();
          s.on_wire.pop_back();
          --on_wire_;
          s.timed_out = true;
          NextTry(i, /*timed_out=*/true);
          expired = true;
        }
      }
      return expired;
    }

    void NextTry(std::size_t i, bool timed_out) {
      Pending& p = pending_[i];
      if (timed_out) {
        ++p.timeouts;
      } else {
        p.refused = true;
      }
      ++p.tries;
      if (p.tries < impl_.options_.attempts * static_cast<int>(servers_)) {
        ready_.push_back(i);
        return;
      }
      Request request;
      request.name = std::string(p.name);
      request.type = p.type;
      results_[i] = impl_.MakeAnswer(
          request, p.timeouts > 0 || !p.refused ? ARES_ETIMEOUT : ARES_ECONNREFUSED, p.timeouts,
          nullptr, 0);
    }

    // Until a socket is readable or the earliest deadline; first polling them for a short while
    // when the server is near (SpinFor) and a spinning slot is free.
    void Wait() {
      // Other work of this thread first (checks whose answers came earlier): the answers may
      // arrive meanwhile, and the thread sleeps only when it has nothing else to do.
      if (WhileWaiting::Run()) return;  // Run() reads the sockets again
      if (sent_since_wait_) {
        sent_since_wait_ = false;
        StopSpinning();
        std::chrono::microseconds spin(0);
        for (std::size_t server = 0; server < servers_; ++server) {
          if (!sockets_[server].on_wire.empty()) {
            spin = std::max(spin, impl_.SpinFor(impl_.direct_sockets_[server]));
          }
        }
        if (spin.count() > 0 && impl_.SpinningPays()) {
          if (impl_.spinners_.fetch_add(1, std::memory_order_relaxed) < impl_.max_spinners_) {
            spinning_ = true;
            spin_until_ = Clock::now() + spin;
          } else {
            impl_.spinners_.fetch_sub(1, std::memory_order_relaxed);
          }
        }
      }
      if (spinning_) {
        if (Clock::now() < spin_until_) {
          CpuRelax();
          return;  // Run() reads the sockets again
        }
        EndSpin(/*answered=*/false);
      }
      Clock::time_point earliest = Clock::time_point::max();
      std::vector<pollfd> fds;
      for (BatchSocket& s : sockets_) {
        if (s.on_wire.empty()) continue;
        fds.push_back({s.socket.fd, POLLIN, 0});
        for (std::size_t i : s.on_wire) earliest = std::min(earliest, pending_[i].deadline);
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(earliest - Clock::now()).count();
      if (left < 0) return;
      if (::poll(fds.data(), fds.size(), static_cast<int>(left) + 1) < 0 && errno != EINTR) {
        // Cannot wait on these sockets: their questions move on to fresh ones.
        for (std::size_t server = 0; server < servers_; ++server) {
          if (!sockets_[server].on_wire.empty()) DropSocket(server, /*reusable=*/false);
        }
      }
    }

    // Every question on the wire to `server` moves on to its next try; the socket goes back to
    // the pool (or is closed) and the next send takes another.
    void DropSocket(std::size_t server, bool reusable) {
      BatchSocket& s = sockets_[server];
      std::vector<std::size_t> moved;
      moved.swap(s.on_wire);
      on_wire_ -= moved.size();
      for (std::size_t i : moved) NextTry(i, /*timed_out=*/false);
      if (!reusable) {
        impl_.GiveBackSocket(server, std::move(s.socket), false);
        s.socket = DirectSocket();
      }
    }

    void StopSpinning() {
      if (spinning_) impl_.spinners_.fetch_sub(1, std::memory_order_relaxed);
      spinning_ = false;
    }
    // A spin ended: with an answer, or run out.
    void EndSpin(bool answered) {
      if (!spinning_) return;
      impl_.RecordSpin(answered);
      StopSpinning();
    }

    Impl& impl_;
    const std::size_t servers_;
    std::vector<std::optional<Answer>> results_;
    std::vector<Pending> pending_;
    std::vector<BatchSocket> sockets_;
    std::deque<std::size_t> ready_;  // questions to send on their next try
    std::size_t on_wire_ = 0;
    bool sent_since_wait_ = false;
    bool spinning_ = false;
    Clock::time_point spin_until_;
  };

  // Same ID, a response, one question equal to ours (names compared without case, as the
  // 0x20 bit may differ).
  static bool IsAnswerTo(std::span<const std::uint8_t> message,
                         const std::vector<std::uint8_t>& query, std::size_t question_end) {
    if (message.size() < question_end) return false;
    if (message[0] != query[0] || message[1] != query[1]) return false;
    if ((message[2] & 0x80) == 0) return false;
    if (message[4] != 0 || message[5] != 1) return false;
    for (std::size_t i = 12; i < question_end; ++i) {
      std::uint8_t a = message[i];
      std::uint8_t b = query[i];
      if (a >= 'A' && a <= 'Z') a = static_cast<std::uint8_t>(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = static_cast<std::uint8_t>(b - 'A' + 'a');
      if (a != b) return false;
    }
    return true;
  }

  static void Cancelled(Request& request) {
    Answer answer;
    answer.name = request.name;
    answer.type = request.type;
    answer.outcome = Outcome::kCancelled;
    answer.error = "resolver shut down before " + request.name + " " +
                   std::string(ToString(request.type)) + " was answered";
    request.done(answer);
  }

  // One eventfd write per wake-up of the loop, not per question: skipped while a wake is
  // pending (the loop clears the flag after reading the eventfd, before it takes the queue).
  void Wake() {
    if (wake_pending_.exchange(true)) return;
    WriteWake();
  }

  void WriteWake() {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }

  static void OnSocketState(void* data, ares_socket_t fd, int readable, int writable) {
    auto* self = static_cast<Impl*>(data);
    if (!readable && !writable) {
      self->sockets_.erase(fd);
    } else {
      self->sockets_[fd] = {readable != 0, writable != 0};
    }
  }

  static void OnAnswer(void* arg, int status, int timeouts, unsigned char* abuf, int alen) {
    std::unique_ptr<Request> request(static_cast<Request*>(arg));
    Impl* self = request->impl;
    --self->in_flight_;
    {
      Answer answer = self->MakeAnswer(*request, status, timeouts, abuf, alen);
      request->done(answer);
    }
    // Refill the freed slot now, while c-ares goes on reading the answers that already arrived,
    // so the server gets new work instead of waiting until the whole burst has been read.
    if (self->queued_.load(std::memory_order_relaxed) > 0) self->SendQueued();
  }

  Answer MakeAnswer(const Request& request, int status, int timeouts, const unsigned char* abuf,
                    int alen) const {
    const bool has_message = abuf != nullptr && alen > 0;
    switch (status) {
      case ARES_SUCCESS:
      case ARES_ENODATA:
      case ARES_ENOTFOUND:
      case ARES_ESERVFAIL:
      case ARES_EREFUSED:
      case ARES_EFORMERR:
      case ARES_ENOTIMP:
        if (has_message) {
          return AnswerFromMessage(
              std::span<const std::uint8_t>(abuf, static_cast<std::size_t>(alen)), request.name,
              request.type, servers_text_);
        }
        break;
      default:
        break;
    }
    Answer answer;
    answer.name = request.name;
    answer.type = request.type;
    const std::string what = request.name + " " + std::string(ToString(request.type));
    switch (status) {
      case ARES_ETIMEOUT:
        answer.outcome = Outcome::kTimeout;
        answer.error = what + ": no answer from " + servers_text_ + " after " +
                       std::to_string(timeouts) + " tries";
        break;
      case ARES_ECONNREFUSED:
        answer.outcome = Outcome::kNetworkError;
        answer.error = what + ": could not reach DNS server " + servers_text_;
        break;
      case ARES_ESERVFAIL:
        answer.outcome = Outcome::kServFail;
        answer.error = what + ": " + servers_text_ + " answered SERVFAIL";
        break;
      case ARES_EREFUSED:
        answer.outcome = Outcome::kRefused;
        answer.error = what + ": " + servers_text_ + " answered REFUSED";
        break;
      case ARES_ENOTFOUND:
        answer.outcome = Outcome::kNxDomain;
        break;
      case ARES_ENODATA:
        answer.outcome = Outcome::kNoData;
        break;
      case ARES_ECANCELLED:
      case ARES_EDESTRUCTION:
        answer.outcome = Outcome::kCancelled;
        answer.error = "resolver shut down before " + what + " was answered";
        break;
      case ARES_EBADNAME:
        answer.outcome = Outcome::kMalformed;
        answer.error = "cannot ask for " + QuoteForMessage(request.name) + ": not a valid DNS name";
        break;
      default:
        answer.outcome = Outcome::kMalformed;
        answer.error = what + " from " + servers_text_ + ": " + ares_strerror(status);
        break;
    }
    return answer;
  }

  // Moves queued questions into c-ares up to the in-flight bound (loop thread only). Not
  // re-entered: a question answered synchronously inside ares_query() frees a slot that the
  // running loop below fills, so a long queue of bad names cannot recurse deeply.
  void SendQueued() {
    if (sending_queued_) return;
    sending_queued_ = true;
    while (in_flight_ < options_.max_in_flight) {
      std::unique_ptr<Request> request;
      {
        std::lock_guard lock(mu_);
        if (stopping_ || queue_.empty()) break;
        request = std::move(queue_.front());
        queue_.pop_front();
        queued_.store(queue_.size(), std::memory_order_relaxed);
      }
      Send(std::move(request));
    }
    sending_queued_ = false;
  }

  // Returns false when stopping.
  bool Submit() {
    SendQueued();
    std::lock_guard lock(mu_);
    return !stopping_;
  }

  // Loop thread only.
  void Send(std::unique_ptr<Request> request) {
    ++in_flight_;
    const std::string name = request->name;  // c-ares may call back before ares_query returns
    const int type = static_cast<int>(request->type);
    ares_query(channel_, name.c_str(), kClassIn, type, &Impl::OnAnswer, request.release());
  }

  void Run() {
    loop_id_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    std::vector<pollfd> fds;
    while (Submit()) {
      fds.clear();
      fds.push_back({wake_fd_, POLLIN, 0});
      for (const auto& [fd, interest] : sockets_) {
        short events =
            static_cast<short>((interest.first ? POLLIN : 0) | (interest.second ? POLLOUT : 0));
        fds.push_back({fd, events, 0});
      }
      timeval max_wait{kMaxPollMs / 1000, 0};
      timeval wait{};
      timeval* next = ares_timeout(channel_, &max_wait, &wait);
      int wait_ms = static_cast<int>(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000);
      int ready = ::poll(fds.data(), fds.size(), wait_ms);
      if (ready < 0 && errno != EINTR) break;
      if (fds[0].revents != 0) {
        std::uint64_t count = 0;
        [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);
        // After the read and before Submit() takes the queue: a question queued from now on
        // writes again; one queued before is taken by that Submit().
        wake_pending_.store(false);
      }
      bool processed = false;
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        ares_socket_t read_fd =
            (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : ARES_SOCKET_BAD;
        ares_socket_t write_fd = (fds[i].revents & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD;
        ares_process_fd(channel_, read_fd, write_fd);
        processed = true;
      }
      // Timeouts and retries are handled by a call without sockets.
      if (!processed) ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    }
    // Shutting down: everything in c-ares ends with ARES_ECANCELLED, the queue with kCancelled.
    ares_cancel(channel_);
    std::deque<std::unique_ptr<Request>> left;
    {
      std::lock_guard lock(mu_);
      left.swap(queue_);
    }
    for (auto& request : left) Cancelled(*request);
  }

  Options options_;
  std::string servers_text_;
  ares_channel channel_ = nullptr;
  int wake_fd_ = -1;
  std::thread thread_;

  std::atomic<std::thread::id> loop_id_{};
  std::atomic<bool> wake_pending_{false};

  std::mutex mu_;
  std::deque<std::unique_ptr<Request>> queue_;  // guarded by mu_
  bool stopping_ = false;                       // guarded by mu_
  // queue_.size(), readable without the lock: answers check it before refilling.
  std::atomic<std::size_t> queued_{0};

  // Exchanges on callers' threads, by server index (sized once in Init).
  static constexpr std::size_t kMaxIdleSockets = 64;
  std::vector<SocketPool> direct_sockets_;
  // Threads spinning for an answer now, and how many may (one per two CPUs, at least one).
  std::atomic<unsigned> spinners_{0};
  const unsigned max_spinners_ = std::max(1u, std::thread::hardware_concurrency() / 2);
  // Out of 256, the recent share of spins an answer ended (SpinningPays), and a probe counter.
  std::atomic<std::uint32_t> spin_wins_{256};
  std::atomic<std::uint32_t> spin_probes_{0};

  // Loop thread only.
  std::map<ares_socket_t, std::pair<bool, bool>> sockets_;
  std::size_t in_flight_ = 0;
  bool sending_queued_ = false;
};

Result<std::unique_ptr<AresResolver>> AresResolver::Create(const Options& options) {
  auto impl = std::make_unique<Impl>(options);
  if (Status s = impl->Init(); !s.ok()) return MakeUnexpected(s.error());
  return std::unique_ptr<AresResolver>(new AresResolver(std::move(impl)));
}

AresResolver::AresResolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AresResolver::~AresResolver() = default;

void AresResolver::Query(std::string_view name, RecordType type, Callback done) {
  impl_->Query(name, type, std::move(done));
}

Answer AresResolver::Resolve(std::string_view name, RecordType type) {
  const Question question{name, type};
  return std::move(ResolveAll(std::span(&question, 1)).front());
}

std::vector<Answer> AresResolver::ResolveAll(std::span<const Question> questions) {
  std::vector<std::string> names;
  names.reserve(questions.size());
  std::vector<Question> normalised;
  normalised.reserve(questions.size());
  for (const Question& q : questions) {
    names.push_back(NormalizeDnsName(q.name));
    normalised.push_back({names.back(), q.type});
  }
  std::vector<std::optional<Answer>> exchanged = impl_->ExchangeAll(normalised);
  // What the caller's thread could not settle goes through c-ares on the loop thread, together.
  std::vector<Question> rest;
  for (std::size_t i = 0; i < exchanged.size(); ++i) {
    if (!exchanged[i]) rest.push_back(normalised[i]);
  }
  std::vector<Answer> rest_answers = Resolver::ResolveAll(rest);
  std::vector<Answer> answers;
  answers.reserve(questions.size());
  std::size_t next_rest = 0;
  for (std::optional<Answer>& answer : exchanged) {
    answers.push_back(answer ? std::move(*answer) : std::move(rest_answers[next_rest++]));
  }
  return answers;
}

const std::string& AresResolver::servers_text() const { return impl_->servers_text(); }

}  // namespace mdo::dns
