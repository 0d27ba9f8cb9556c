#include "dns/ares_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
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

  // The question exchanged over UDP on the calling thread, trying the servers in turn as c-ares
  // does (the wait doubles on each round over the list), or nullopt when the answer needs what
  // only c-ares does: TCP after a truncated answer, a retry without EDNS after FORMERR or
  // NOTIMP, or a name c-ares cannot encode (its error message is the one to give).
  std::optional<Answer> Exchange(const std::string& name, RecordType type) {
    unsigned char* raw = nullptr;
    int raw_size = 0;
    const auto id = static_cast<unsigned short>(arc4random() & 0xffff);
    if (ares_create_query(name.c_str(), kClassIn, static_cast<int>(type), id, /*rd=*/1, &raw,
                          &raw_size, options_.edns_udp_size) != ARES_SUCCESS) {
      return std::nullopt;
    }
    const std::vector<std::uint8_t> query(raw, raw + raw_size);
    ares_free_string(raw);
    const std::size_t question_end = QuestionEnd(query);
    if (question_end == 0) return std::nullopt;

    int timeouts = 0;
    bool refused = false;
    for (int round = 0; round < options_.attempts; ++round) {
      for (std::size_t server = 0; server < options_.servers.size(); ++server) {
        DirectSocket socket = TakeSocket(server);
        if (socket.fd < 0) return std::nullopt;
        TryResult result = Try(direct_sockets_[server], socket, query, question_end, WaitMs(round));
        switch (result.kind) {
          case TryResult::kAnswer: {
            // Read before the socket goes back: the message is in its buffer.
            const std::uint8_t flags = result.message[2];
            const std::uint8_t rcode = result.message[3] & 0x0f;
            std::optional<Answer> answer;
            if ((flags & 0x02) == 0 && rcode != 1 /* FORMERR */ && rcode != 4 /* NOTIMP */) {
              answer = AnswerFromMessage(result.message, name, type, servers_text_);
            }
            GiveBackSocket(server, std::move(socket), true);
            return answer;
          }
          case TryResult::kTimeout:
            ++timeouts;
            break;
          case TryResult::kRefused:
          case TryResult::kBroken:
            refused = true;
            break;
        }
        GiveBackSocket(server, std::move(socket), result.kind != TryResult::kBroken);
      }
    }
    Request request;
    request.name = name;
    request.type = type;
    return MakeAnswer(request, timeouts > 0 || !refused ? ARES_ETIMEOUT : ARES_ECONNREFUSED,
                      timeouts, nullptr, 0);
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

  static void RecordRoundTrip(SocketPool& pool, std::chrono::steady_clock::duration took) {
    const auto us = static_cast<std::uint32_t>(std::clamp<long long>(
        std::chrono::duration_cast<std::chrono::microseconds>(took).count(), 1, 10'000'000));
    const std::uint32_t old = pool.rtt_us.load(std::memory_order_relaxed);
    pool.rtt_us.store(old == 0 ? us : (7 * old + us) / 8, std::memory_order_relaxed);
  }

  struct TryResult {
    enum Kind { kAnswer, kTimeout, kRefused, kBroken } kind = kTimeout;
    std::span<const std::uint8_t> message;  // kAnswer: in the socket's buffer
  };

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

  // One send and the wait for its answer. Datagrams that are not the answer (a late answer to an
  // earlier try on this socket, a wrong ID, another question) are skipped, as c-ares does.
  TryResult Try(SocketPool& pool, DirectSocket& socket, const std::vector<std::uint8_t>& query,
                std::size_t question_end, int wait_ms) {
    TryResult result;
    if (::send(socket.fd, query.data(), query.size(), 0) < 0) {
      result.kind = errno == ECONNREFUSED ? TryResult::kRefused : TryResult::kBroken;
      return result;
    }
    const auto sent = std::chrono::steady_clock::now();
    const auto deadline = sent + std::chrono::milliseconds(wait_ms);
    // Spin only while a slot is free (one per two CPUs); the others sleep at once.
    std::chrono::steady_clock::time_point spin_until = sent;
    bool spinning = false;
    if (auto spin = SpinFor(pool); spin.count() > 0) {
      if (spinners_.fetch_add(1, std::memory_order_relaxed) < max_spinners_) {
        spinning = true;
        spin_until = sent + spin;
      } else {
        spinners_.fetch_sub(1, std::memory_order_relaxed);
      }
    }
    auto stop_spinning = [&] {
      if (spinning) spinners_.fetch_sub(1, std::memory_order_relaxed);
      spinning = false;
    };
    for (;;) {
      ssize_t n = ::recv(socket.fd, socket.buffer.get(), kDatagramMax, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == ECONNREFUSED) {
          stop_spinning();
          result.kind = TryResult::kRefused;
          return result;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          stop_spinning();
          result.kind = TryResult::kBroken;
          return result;
        }
        if (spinning) {
          if (std::chrono::steady_clock::now() < spin_until) {
            CpuRelax();
            continue;
          }
          stop_spinning();
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0) return result;  // kTimeout
        pollfd fd{socket.fd, POLLIN, 0};
        if (::poll(&fd, 1, static_cast<int>(left) + 1) < 0 && errno != EINTR) {
          result.kind = TryResult::kBroken;
          return result;
        }
        continue;
      }
      std::span<const std::uint8_t> message(socket.buffer.get(), static_cast<std::size_t>(n));
      if (IsAnswerTo(message, query, question_end)) {
        stop_spinning();
        RecordRoundTrip(pool, std::chrono::steady_clock::now() - sent);
        result.kind = TryResult::kAnswer;
        result.message = message;
        return result;
      }
    }
  }

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
  if (std::optional<Answer> answer = impl_->Exchange(NormalizeDnsName(name), type)) {
    return std::move(*answer);
  }
  return Resolver::Resolve(name, type);  // through c-ares on the loop thread
}

const std::string& AresResolver::servers_text() const { return impl_->servers_text(); }

}  // namespace mdo::dns
