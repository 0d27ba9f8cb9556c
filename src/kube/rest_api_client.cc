#include "kube/rest_api_client.h"

#include <arpa/inet.h>
#include <cpprest/http_client.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ssl.hpp>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "common/strings.h"
#include "kube/credentials.h"
#include "kube/watch_decoder.h"

namespace mdo::kube {
namespace {

namespace http = web::http;
namespace client = web::http::client;

constexpr size_t kWatchReadBytes = 64 << 10;

// Why the last certificate check failed, for the error message: cpprest reports only "Error
// in SSL handshake". Shared by every connection of one client.
class TlsDiagnostics {
 public:
  void Set(std::string why) {
    std::lock_guard lock(mutex_);
    last_ = std::move(why);
  }
  std::string Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(last_, std::string());
  }

 private:
  std::mutex mutex_;
  std::string last_;
};

struct TlsMaterial {
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  bool insecure = false;
  // The name the server's certificate must be valid for: tls-server-name, else the URL's host.
  std::string verify_name;
  bool verify_name_is_ip = false;
  std::shared_ptr<TlsDiagnostics> diagnostics;
};

bool IsIpAddress(const std::string& text) {
  in6_addr addr;
  return inet_pton(AF_INET, text.c_str(), &addr) == 1 ||
         inet_pton(AF_INET6, text.c_str(), &addr) == 1;
}

// What the verifier of one connection needs; owned by the connection's SSL_CTX (freed with it
// through the ex-data free callback), because cpprest makes a context per connection.
struct VerifyState {
  std::string name;
  bool is_ip = false;
  std::shared_ptr<TlsDiagnostics> diagnostics;
};

void FreeVerifyState(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<VerifyState*>(ptr);
}

int VerifyStateIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, &FreeVerifyState);
  return index;
}

// The subjectAltNames of a certificate, for a host-name mismatch message.
std::string SubjectAltNames(X509* cert) {
  std::string out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return "none";
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    std::string item;
    if (name->type == GEN_DNS) {
      const ASN1_STRING* dns = name->d.dNSName;
      item = "DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                  static_cast<size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = "?";
      int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
      if (ASN1_STRING_length(ip) == 4 || ASN1_STRING_length(ip) == 16) {
        inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof text);
      }
      item = std::string("IP:") + text;
    } else {
      continue;
    }
    out += (out.empty() ? "" : ", ") + item;
  }
  GENERAL_NAMES_free(names);
  return out.empty() ? "none" : out;
}

// The context-level certificate check (SSL_CTX_set_cert_verify_callback): it replaces the
// chain verification as a whole, so cpprest's per-connection callback (RFC 2818 against the
// URL's host) never runs. The chain is verified by OpenSSL against the configured CA with the
// host name (or IP) set to tls-server-name or the URL's host; like Go, the subject's CN is never
// taken as a host name.
int VerifyServerCertificate(X509_STORE_CTX* store, void* arg) {
  const auto* state = static_cast<const VerifyState*>(arg);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(store);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
  bool named = state->is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, state->name.c_str()) == 1
                            : X509_VERIFY_PARAM_set1_host(param, state->name.c_str(), 0) == 1;
  if (!named) {
    if (state->diagnostics) state->diagnostics->Set("cannot verify against " + state->name);
    return 0;
  }
  X509_STORE_CTX_set_verify_cb(store, [](int ok, X509_STORE_CTX*) { return ok; });
  if (X509_verify_cert(store) == 1) return 1;
  int error = X509_STORE_CTX_get_error(store);
  std::string why = std::string("the server's certificate was not accepted: ") +
                    X509_verify_cert_error_string(error);
  if (error == X509_V_ERR_HOSTNAME_MISMATCH || error == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    why += " (expected " + QuoteForMessage(state->name) + ", the certificate is for " +
           SubjectAltNames(X509_STORE_CTX_get0_cert(store)) + ")";
  }
  if (state->diagnostics) state->diagnostics->Set(std::move(why));
  return 0;
}

// Runs when a connection's handshake starts, after cpprest has set the SNI to the URL's host:
// sends the name the certificate is verified against instead (tls-server-name), and none for
// an IP address (RFC 6066), as Go's client does.
void SetServerNameIndication(const SSL* ssl, int where, int) {
  if ((where & SSL_CB_HANDSHAKE_START) == 0) return;
  const auto* state = static_cast<const VerifyState*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), VerifyStateIndex()));
  if (state == nullptr) return;
  // OpenSSL hands info callbacks a const SSL; the SSL itself is not const and the ClientHello
  // is not built yet.
  SSL* mutable_ssl = const_cast<SSL*>(ssl);
  const char* name = state->is_ip ? nullptr : state->name.c_str();
  SSL_set_tlsext_host_name(mutable_ssl, name);
}

void ApplyTls(const TlsMaterial& tls, boost::asio::ssl::context& ctx) {
  if (!tls.ca_pem.empty()) {
    ctx.add_certificate_authority(boost::asio::buffer(tls.ca_pem.data(), tls.ca_pem.size()));
  }
  if (!tls.cert_pem.empty()) {
    ctx.use_certificate_chain(boost::asio::buffer(tls.cert_pem.data(), tls.cert_pem.size()));
    ctx.use_private_key(boost::asio::buffer(tls.key_pem.data(), tls.key_pem.size()),
                        boost::asio::ssl::context::pem);
  }
  SSL_CTX* native = ctx.native_handle();
  auto state = std::make_unique<VerifyState>(
      VerifyState{tls.verify_name, tls.verify_name_is_ip, tls.diagnostics});
  if (SSL_CTX_set_ex_data(native, VerifyStateIndex(), state.get()) != 1) {
    // Without the state there is no check of ours: fail every handshake rather than trust.
    if (!tls.insecure) {
      SSL_CTX_set_cert_verify_callback(
          native, [](X509_STORE_CTX*, void*) { return 0; }, nullptr);
    }
    return;
  }
  VerifyState* owned_by_ctx = state.release();
  SSL_CTX_set_info_callback(native, &SetServerNameIndication);
  // insecure-skip-tls-verify: cpprest sets verify_none, and only that turns the check off.
  if (!tls.insecure) {
    SSL_CTX_set_cert_verify_callback(native, &VerifyServerCertificate, owned_by_ctx);
  }
}

// Loads the material once up front so that bad PEM is a config error, not a failure on every
// request.
Status CheckTls(const TlsMaterial& tls) {
  boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_client);
  boost::system::error_code ec;
  if (!tls.ca_pem.empty()) {
    ctx.add_certificate_authority(boost::asio::buffer(tls.ca_pem.data(), tls.ca_pem.size()), ec);
    if (ec)
      return Fail("certificate-authority: not a usable PEM certificate (" + ec.message() + ")");
  }
  if (!tls.cert_pem.empty()) {
    ctx.use_certificate_chain(boost::asio::buffer(tls.cert_pem.data(), tls.cert_pem.size()), ec);
    if (ec) return Fail("client-certificate: not a usable PEM certificate (" + ec.message() + ")");
    ctx.use_private_key(boost::asio::buffer(tls.key_pem.data(), tls.key_pem.size()),
                        boost::asio::ssl::context::pem, ec);
    if (ec)
      return Fail("client-key: not a usable PEM key for the certificate (" + ec.message() + ")");
  }
  return {};
}

client::http_client_config MakeHttpConfig(const TlsMaterial& tls,
                                          std::chrono::milliseconds timeout) {
  client::http_client_config cfg;
  cfg.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout));
  cfg.set_validate_certificates(!tls.insecure);
  cfg.set_ssl_context_callback([tls](boost::asio::ssl::context& ctx) { ApplyTls(tls, ctx); });
  return cfg;
}

std::string BuildQuery(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string q;
  for (const auto& [k, v] : params) {
    q += q.empty() ? "?" : "&";
    q += k + "=" + PercentEncode(v);
  }
  return q;
}

void AddListParams(const ListOptions& o, std::vector<std::pair<std::string, std::string>>& p) {
  if (!o.label_selector.empty()) p.emplace_back("labelSelector", o.label_selector);
  if (!o.field_selector.empty()) p.emplace_back("fieldSelector", o.field_selector);
  if (o.limit > 0) p.emplace_back("limit", std::to_string(o.limit));
  if (!o.continue_token.empty()) p.emplace_back("continue", o.continue_token);
  if (!o.resource_version.empty()) p.emplace_back("resourceVersion", o.resource_version);
  if (!o.resource_version_match.empty()) {
    p.emplace_back("resourceVersionMatch", o.resource_version_match);
  }
}

void AddWriteParams(const WriteOptions& o, bool apply,
                    std::vector<std::pair<std::string, std::string>>& p) {
  if (!o.field_manager.empty()) p.emplace_back("fieldManager", o.field_manager);
  if (apply && o.force) p.emplace_back("force", "true");
  if (o.dry_run) p.emplace_back("dryRun", "All");
}

int RetryAfterHeader(const http::http_headers& headers) {
  auto it = headers.find("Retry-After");
  if (it == headers.end()) return 0;
  const std::string& v = it->second;
  if (v.empty() || v.size() > 6 || !std::all_of(v.begin(), v.end(), ::isdigit)) return 0;
  return std::stoi(v);
}

ApiError TransportError(const std::string& what) {
  ApiError e;
  e.code = 0;
  // cpprest's words for a request that never reached the server (a refused connection, or a
  // pooled keep-alive connection the server had closed): safe to send again whatever the verb.
  bool not_sent = what.find("Failed to write request") != std::string::npos ||
                  what.find("Failed to connect") != std::string::npos ||
                  what.find("Error resolving address") != std::string::npos;
  e.reason = not_sent ? "RequestNotSent" : "TransportError";
  e.message = what;
  return e;
}

// A watch response body read incrementally: whatever bytes have arrived are decoded, so events
// are delivered as the server sends them.
class RestWatchStream final : public WatchStream {
 public:
  RestWatchStream(std::shared_ptr<client::http_client> http,
                  std::shared_ptr<pplx::cancellation_token_source> cancel, http::http_response resp)
      : http_(std::move(http)),
        cancel_(std::move(cancel)),
        response_(std::move(resp)),
        body_(response_.body()) {}

  ~RestWatchStream() override { Cancel(); }

  ApiResult<std::optional<WatchEvent>> Next() override {
    while (pending_.empty()) {
      if (finished_) return std::optional<WatchEvent>();
      if (cancelled_) return ApiFail(0, "Cancelled", "watch cancelled");
      std::vector<WatchEvent> events;
      try {
        auto buf = body_.streambuf();
        std::string chunk;
        size_t avail = buf.in_avail();
        if (avail == 0) {
          auto c = buf.bumpc().get();  // waits for data, the end, or cancellation
          if (c == concurrency::streams::streambuf<uint8_t>::traits::eof()) {
            finished_ = true;
            if (Status s = decoder_.Finish(events); !s) return Malformed(s.error().message);
          } else {
            chunk.push_back(static_cast<char>(c));
            avail = buf.in_avail();
          }
        }
        if (avail > 0) {
          size_t n = std::min(avail, kWatchReadBytes);
          size_t old = chunk.size();
          chunk.resize(old + n);
          size_t got = buf.getn(reinterpret_cast<uint8_t*>(chunk.data() + old), n).get();
          chunk.resize(old + got);
        }
        if (!chunk.empty()) {
          if (Status s = decoder_.Feed(chunk, events); !s) return Malformed(s.error().message);
        }
      } catch (const std::exception& e) {
        if (cancelled_) return ApiFail(0, "Cancelled", "watch cancelled");
        return ApiFail(TransportError(std::string("watch stream broken: ") + e.what()));
      }
      for (auto& ev : events) pending_.push_back(std::move(ev));
    }
    WatchEvent ev = std::move(pending_.front());
    pending_.pop_front();
    return std::optional<WatchEvent>(std::move(ev));
  }

  void Cancel() override {
    cancelled_ = true;
    cancel_->cancel();
  }

 private:
  Unexpected<ApiError> Malformed(const std::string& message) {
    finished_ = true;
    Cancel();
    return ApiFail(0, "BadWatchEvent", message);
  }

  std::shared_ptr<client::http_client> http_;
  std::shared_ptr<pplx::cancellation_token_source> cancel_;
  http::http_response response_;
  concurrency::streams::istream body_;
  WatchDecoder decoder_;
  std::deque<WatchEvent> pending_;
  bool finished_ = false;
  std::atomic<bool> cancelled_{false};
};

class RestApiClient final : public ApiClient {
 public:
  RestApiClient(const ClientConfig& config, RestClientOptions options, Clock& clock,
                TlsMaterial tls)
      : config_(config),
        options_(std::move(options)),
        tls_(std::move(tls)),
        tokens_(MakeTokenSource(config, clock)),
        http_(std::make_shared<client::http_client>(
            web::uri(config.server), MakeHttpConfig(tls_, options_.request_timeout))),
        http_cert_pem_(tls_.cert_pem),
        rng_(std::random_device{}()) {
    if (options_.user_agent.empty()) {
      options_.user_agent = config.user_agent + "/0.1.0 (linux)";
    }
  }

  ApiResult<Json> Get(const ResourceType& type, std::string_view ns, std::string_view name,
                      std::string_view subresource) override {
    return Call(http::methods::GET, type.Path(ns, name, subresource), nullptr, "", true);
  }

  ApiResult<Json> List(const ResourceType& type, std::string_view ns,
                       const ListOptions& options) override {
    std::vector<std::pair<std::string, std::string>> p;
    AddListParams(options, p);
    return Call(http::methods::GET, type.Path(ns) + BuildQuery(p), nullptr, "", true);
  }

  ApiResult<std::unique_ptr<WatchStream>> Watch(const ResourceType& type, std::string_view ns,
                                                const ListOptions& options) override {
    std::vector<std::pair<std::string, std::string>> p{{"watch", "true"}};
    ListOptions o = options;
    o.limit = 0;
    o.continue_token.clear();
    AddListParams(o, p);
    if (o.allow_watch_bookmarks) p.emplace_back("allowWatchBookmarks", "true");
    if (o.timeout_seconds > 0) p.emplace_back("timeoutSeconds", std::to_string(o.timeout_seconds));
    std::chrono::milliseconds idle =
        o.timeout_seconds > 0 ? std::chrono::milliseconds(std::chrono::seconds(o.timeout_seconds)) +
                                    options_.watch_idle_slack
                              : options_.watch_default_idle;
    std::string path = type.Path(ns) + BuildQuery(p);
    bool auth_retried = false;
    for (int attempt = 0;; ++attempt) {
      auto creds = tokens_->Current();
      if (!creds) return ApiFail(0, "Unauthorized", "credentials: " + creds.error().message);
      // Each watch gets its own client: cpprest's timeout is per client and a watch needs a
      // longer one than plain requests. It presents the current client certificate.
      auto http = std::make_shared<client::http_client>(web::uri(config_.server),
                                                        MakeHttpConfig(TlsFor(*creds), idle));
      auto cancel = std::make_shared<pplx::cancellation_token_source>();
      http::http_request req(http::methods::GET);
      req.set_request_uri(path);
      SetHeaders(req, creds->token);
      ApiError error;
      try {
        http::http_response resp = http->request(req, cancel->get_token()).get();
        if (resp.status_code() == http::status_codes::OK) {
          return std::unique_ptr<WatchStream>(
              std::make_unique<RestWatchStream>(http, cancel, std::move(resp)));
        }
        std::string body = resp.extract_utf8string(true).get();
        error = ErrorFromResponse(resp.status_code(), body);
        if (int ra = RetryAfterHeader(resp.headers()); ra > 0) error.retry_after_seconds = ra;
      } catch (const std::exception& e) {
        error = TransportFailure(e.what());
      }
      if (RetryAfterFailure(error, attempt, /*idempotent=*/true, auth_retried)) continue;
      return ApiFail(std::move(error));
    }
  }

  ApiResult<Json> Create(const ResourceType& type, std::string_view ns, const Json& object,
                         const WriteOptions& options) override {
    std::vector<std::pair<std::string, std::string>> p;
    AddWriteParams(options, false, p);
    return Call(http::methods::POST, type.Path(ns, "", options.subresource) + BuildQuery(p),
                &object, "application/json", false);
  }

  ApiResult<Json> Update(const ResourceType& type, std::string_view ns, const Json& object,
                         const WriteOptions& options) override {
    std::string name = MetaString(object, "name");
    if (name.empty()) return ApiFail(0, "Invalid", "update: the object has no metadata.name");
    std::vector<std::pair<std::string, std::string>> p;
    AddWriteParams(options, false, p);
    return Call(http::methods::PUT, type.Path(ns, name, options.subresource) + BuildQuery(p),
                &object, "application/json", true);
  }

  ApiResult<Json> Patch(const ResourceType& type, std::string_view ns, std::string_view name,
                        PatchType patch_type, const Json& patch,
                        const WriteOptions& options) override {
    bool apply = patch_type == PatchType::kApply;
    if (apply && options.field_manager.empty()) {
      return ApiFail(0, "Invalid", "server-side apply needs a field manager");
    }
    std::vector<std::pair<std::string, std::string>> p;
    AddWriteParams(options, apply, p);
    return Call(http::methods::PATCH, type.Path(ns, name, options.subresource) + BuildQuery(p),
                &patch, PatchContentType(patch_type), /*idempotent=*/apply);
  }

  ApiResult<Json> Delete(const ResourceType& type, std::string_view ns, std::string_view name,
                         const DeleteOptions& options) override {
    Json body;
    if (!options.propagation_policy.empty()) {
      body["propagationPolicy"] = options.propagation_policy;
    }
    if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
    if (!options.precondition_resource_version.empty()) {
      body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
    }
    if (!body.is_null()) {
      body["kind"] = "DeleteOptions";
      body["apiVersion"] = "v1";
    }
    return Call(http::methods::DEL, type.Path(ns, name), body.is_null() ? nullptr : &body,
                "application/json", true);
  }

  ApiResult<Json> GetPath(std::string_view path) override {
    return Call(http::methods::GET, std::string(path), nullptr, "", true);
  }

 private:
  // The TLS material for these credentials: a plugin's client certificate replaces the
  // kubeconfig's.
  TlsMaterial TlsFor(const Credentials& creds) const {
    TlsMaterial tls = tls_;
    if (!creds.client_cert_pem.empty()) {
      tls.cert_pem = creds.client_cert_pem;
      tls.key_pem = creds.client_key_pem;
    }
    return tls;
  }

  // The client for plain requests. When the client certificate changes (an exec plugin's
  // credential expired or was refused) a new client is built and swapped in; calls in flight
  // finish on the old one, which they hold.
  std::shared_ptr<client::http_client> HttpFor(const Credentials& creds) {
    const std::string& cert = creds.client_cert_pem.empty() ? tls_.cert_pem : creds.client_cert_pem;
    std::lock_guard lock(http_mutex_);
    if (cert != http_cert_pem_) {
      http_ = std::make_shared<client::http_client>(
          web::uri(config_.server), MakeHttpConfig(TlsFor(creds), options_.request_timeout));
      http_cert_pem_ = cert;
    }
    return http_;
  }

  // cpprest's words plus, after a failed handshake, why the certificate was refused.
  ApiError TransportFailure(const std::string& what) {
    std::string why = tls_.diagnostics ? tls_.diagnostics->Take() : std::string();
    if (!why.empty() && what.find("SSL handshake") != std::string::npos) {
      return TransportError(what + ": " + why);
    }
    return TransportError(what);
  }

  void SetHeaders(http::http_request& req, const std::string& token) {
    req.headers().add("Accept", "application/json");
    req.headers().add("User-Agent", options_.user_agent);
    if (!token.empty()) req.headers().add("Authorization", "Bearer " + token);
  }

  // After a failed attempt: true when the request should go again, having waited as needed.
  // A 401 fetches a fresh token once (rotated token, expired exec credential); retryable
  // errors back off up to max_retries.
  bool RetryAfterFailure(const ApiError& error, int attempt, bool idempotent, bool& auth_retried) {
    if (error.IsUnauthorized() && !auth_retried) {
      auth_retried = true;
      tokens_->Invalidate();
      return true;
    }
    if (attempt < options_.max_retries && ShouldRetry(idempotent, error)) {
      Sleep(error, attempt);
      return true;
    }
    return false;
  }

  void Sleep(const ApiError& error, int attempt) {
    double jitter;
    {
      std::lock_guard lock(rng_mutex_);
      jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    }
    auto delay = RetryDelay(options_, error, attempt, jitter);
    spdlog::debug("kube: retrying after {} ({} ms)", error.ToString(), delay.count());
    std::this_thread::sleep_for(delay);
  }

  ApiResult<Json> Call(const http::method& method, const std::string& path_and_query,
                       const Json* body, const std::string& content_type, bool idempotent) {
    std::string body_text = body ? body->dump() : std::string();
    bool auth_retried = false;
    for (int attempt = 0;; ++attempt) {
      auto creds = tokens_->Current();
      if (!creds) return ApiFail(0, "Unauthorized", "credentials: " + creds.error().message);
      std::shared_ptr<client::http_client> http = HttpFor(*creds);
      http::http_request req(method);
      req.set_request_uri(path_and_query);
      SetHeaders(req, creds->token);
      if (body) req.set_body(body_text, content_type);
      ApiError error;
      try {
        http::http_response resp = http->request(req).get();
        std::string text = resp.extract_utf8string(true).get();
        int code = resp.status_code();
        if (code >= 200 && code < 300) {
          if (text.empty()) return Json::object();
          Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
          if (doc.is_discarded()) {
            return ApiFail(code, "InternalError", "the server answered with invalid JSON");
          }
          return doc;
        }
        error = ErrorFromResponse(code, text);
        if (int ra = RetryAfterHeader(resp.headers()); ra > 0) error.retry_after_seconds = ra;
      } catch (const std::exception& e) {
        error = TransportFailure(e.what());
      }
      if (RetryAfterFailure(error, attempt, idempotent, auth_retried)) continue;
      return ApiFail(std::move(error));
    }
  }

  ClientConfig config_;
  RestClientOptions options_;
  TlsMaterial tls_;
  std::unique_ptr<TokenSource> tokens_;
  std::mutex http_mutex_;  // guards http_ and http_cert_pem_
  std::shared_ptr<client::http_client> http_;
  std::string http_cert_pem_;  // the client certificate http_ presents
  std::mutex rng_mutex_;
  std::mt19937_64 rng_;
};

}  // namespace

bool ShouldRetry(bool idempotent, const ApiError& error) {
  if (error.code == 429) return true;
  if (error.code == 0 && error.reason == "RequestNotSent") return true;
  if (!idempotent) return false;
  if (error.code == 0) return error.reason == "TransportError";
  return error.code >= 500 && error.code != 501;
}

std::chrono::milliseconds RetryDelay(const RestClientOptions& options, const ApiError& error,
                                     int attempt, double jitter_fraction) {
  if (error.retry_after_seconds > 0) {
    return std::min<std::chrono::milliseconds>(std::chrono::seconds(error.retry_after_seconds),
                                               options.retry_max);
  }
  double base =
      static_cast<double>(options.retry_initial.count()) * std::ldexp(1.0, std::min(attempt, 30));
  double ms = base * (1.0 + std::clamp(jitter_fraction, 0.0, 1.0));
  ms = std::min(ms, static_cast<double>(options.retry_max.count()));
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

Result<std::unique_ptr<ApiClient>> NewRestApiClient(const ClientConfig& config,
                                                    RestClientOptions options, Clock& clock) {
  TlsMaterial tls;
  tls.ca_pem = config.ca_pem;
  tls.cert_pem = config.client_cert_pem;
  tls.key_pem = config.client_key_pem;
  tls.insecure = config.insecure_skip_tls_verify;
  tls.diagnostics = std::make_shared<TlsDiagnostics>();
  if (Status s = CheckTls(tls); !s) return Fail("kube client: " + s.error().message);
  try {
    tls.verify_name = config.tls_server_name;
    if (tls.verify_name.empty()) {
      tls.verify_name = web::uri(config.server).host();
      // IPv6 hosts come bracketed from the URL.
      if (tls.verify_name.size() > 2 && tls.verify_name.front() == '[' &&
          tls.verify_name.back() == ']') {
        tls.verify_name = tls.verify_name.substr(1, tls.verify_name.size() - 2);
      }
    }
    tls.verify_name_is_ip = IsIpAddress(tls.verify_name);
    return std::unique_ptr<ApiClient>(
        std::make_unique<RestApiClient>(config, std::move(options), clock, std::move(tls)));
  } catch (const std::exception& e) {
    return Fail("kube client: bad server URL " + QuoteForMessage(config.server) + ": " + e.what());
  }
}

}  // namespace mdo::kube
