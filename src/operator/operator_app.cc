#include "operator/operator_app.h"

#include <fmt/ranges.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <random>

#include "controller/controller.h"
#include "controller/engine_checker.h"
#include "controller/reconciler.h"
#include "dns/interleaver.h"
#include "dns/make_resolver.h"
#include "kube/config.h"
#include "kube/event_recorder.h"
#include "kube/leader_election.h"
#include "kube/rest_api_client.h"
#include "runtime/http_endpoint.h"
#include "runtime/logging.h"
#include "runtime/metrics.h"

namespace mdo::operator_main {

namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(10);

// Events go to the recorder, which never blocks (bounded queue, series, rate limit).
class RecorderEmitter : public controller::EventEmitter {
 public:
  explicit RecorderEmitter(kube::EventRecorder& recorder) : recorder_(recorder) {}
  void Emit(const nlohmann::json& regarding, const controller::EventSpec& event) override {
    recorder_.Event(kube::ObjectReference::FromObject(regarding), event.type, event.reason, "Check",
                    event.message);
  }

 private:
  kube::EventRecorder& recorder_;
};

std::string Identity() {
  const char* pod = std::getenv("POD_NAME");
  std::string base;
  if (pod != nullptr && *pod != '\0') {
    base = pod;
  } else {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    base = host;
  }
  std::mt19937_64 rng{std::random_device{}()};
  return base + "_" + std::to_string(rng() % 1000000000);
}

std::string PodNamespace(const kube::ClientConfig& config) {
  if (const char* ns = std::getenv("POD_NAMESPACE"); ns != nullptr && *ns != '\0') return ns;
  return config.namespace_name.empty() ? "default" : config.namespace_name;
}

void ExportDnsStats(const dns::CachingResolver& resolver, runtime::MetricsRegistry& metrics) {
  const dns::ResolverStats stats = resolver.stats();
  for (const auto& [question, count] : stats.answers) {
    metrics.Set("maildomain_dns_queries_total",
                {{"type", std::string(dns::ToString(question.first))},
                 {"outcome", std::string(dns::ToString(question.second))}},
                static_cast<double>(count));
  }
  metrics.Set("maildomain_dns_cache_hits_total", {}, static_cast<double>(stats.cache_hits));
  metrics.Set("maildomain_dns_upstream_queries_total", {},
              static_cast<double>(stats.upstream_queries));
  metrics.Set("maildomain_dns_deduplicated_total", {}, static_cast<double>(stats.deduplicated));
  metrics.Set("maildomain_dns_cache_bytes", {}, static_cast<double>(stats.bytes));
}

void DeclareProcessMetrics(runtime::MetricsRegistry& m) {
  using T = runtime::MetricsRegistry::Type;
  m.Declare("maildomain_dns_queries_total", T::kCounter,
            "DNS questions answered, by record type and outcome (cache hits included).");
  m.Declare("maildomain_dns_cache_hits_total", T::kCounter, "DNS questions answered by the cache.");
  m.Declare("maildomain_dns_upstream_queries_total", T::kCounter,
            "DNS questions sent to the DNS servers.");
  m.Declare("maildomain_dns_deduplicated_total", T::kCounter,
            "DNS questions that joined an identical question already in flight.");
  m.Declare("maildomain_dns_cache_bytes", T::kGauge,
            "Bytes the DNS cache's answers take (bounded by dns.cache.maxBytes).");
  m.Declare("maildomain_leader", T::kGauge, "1 while this process holds the leader lease.");
}

}  // namespace

int RunOperator(const OperatorOptions& options) {
  if (auto s = runtime::SetUpLogging(options.log_level, options.log_format); !s.ok()) {
    std::fprintf(stderr, "maildomain-operator: %s\n", s.error().message.c_str());
    return 2;
  }
  // Signals are taken by sigwait on this thread only; every thread started below inherits the
  // blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto client_config = kube::LoadClientConfig(options.kubeconfig);
  if (!client_config.ok()) {
    spdlog::error("cannot configure the Kubernetes client: {}", client_config.error().message);
    return 1;
  }
  kube::RestClientOptions rest_options;
  rest_options.user_agent = "maildomain-operator/0.1.0";
  auto api = kube::NewRestApiClient(*client_config, rest_options);
  if (!api.ok()) {
    spdlog::error("cannot create the Kubernetes client: {}", api.error().message);
    return 1;
  }

  dns::ResolverOptions resolver_options;
  resolver_options.servers = options.dns_servers;
  resolver_options.timeout_ms = options.dns_timeout_ms;
  resolver_options.attempts = options.dns_attempts;
  resolver_options.cache.min_ttl = static_cast<std::uint32_t>(options.dns_cache_min_ttl);
  resolver_options.cache.max_ttl = static_cast<std::uint32_t>(options.dns_cache_max_ttl);
  resolver_options.cache.max_bytes = static_cast<std::size_t>(options.dns_cache_max_bytes);
  auto resolver = dns::MakeResolver(resolver_options);
  if (!resolver.ok()) {
    spdlog::error("cannot start the DNS resolver: {}", resolver.error().message);
    return 1;
  }

  runtime::MetricsRegistry metrics;
  DeclareProcessMetrics(metrics);
  controller::Reconciler::DeclareMetrics(metrics);
  controller::MailDomainController::DeclareMetrics(metrics);

  kube::ApiEventSink event_sink(**api);
  kube::EventRecorderOptions recorder_options;
  recorder_options.reporting_instance = Identity();
  kube::EventRecorder recorder(event_sink, recorder_options);
  RecorderEmitter emitter(recorder);

  report::ReportOptions report_options;
  report_options.default_ip_zones = options.ip_zones;
  report_options.default_domain_zones = options.domain_zones;
  // A worker's MailDomains in flight send their questions together (report/interleaved.h).
  dns::InterleavingResolver interleaving(**resolver);
  controller::EngineChecker checker(interleaving, report_options,
                                    [cache = *resolver] { cache->Clear(); });
  controller::ReconcilerOptions reconciler_options;
  reconciler_options.default_interval = options.default_interval;
  controller::Reconciler reconciler(**api, checker, emitter, kube::SystemClock::Instance(),
                                    &metrics, reconciler_options);
  controller::MailDomainController controller(
      **api, reconciler, &metrics,
      {options.workers, options.namespaces, options.domains_per_worker});

  // Probes and metrics.
  std::atomic<bool> stopping{false};
  std::vector<std::unique_ptr<runtime::HttpEndpoint>> endpoints;
  auto serve = [&](const std::string& flag, const std::string& address,
                   runtime::HttpHandler handler) -> bool {
    auto bind = runtime::ParseBindAddress(address);
    if (!bind.ok()) {
      spdlog::error("{}: {}", flag, bind.error().message);
      return false;
    }
    if (bind->port < 0) return true;  // disabled
    auto endpoint = runtime::HttpEndpoint::Start(*bind, std::move(handler));
    if (!endpoint.ok()) {
      spdlog::error("{}: {}", flag, endpoint.error().message);
      return false;
    }
    spdlog::info("serving {} on port {}", flag == "--metrics-bind-address" ? "/metrics" : "probes",
                 (*endpoint)->port());
    endpoints.push_back(std::move(*endpoint));
    return true;
  };
  const bool endpoints_ok =
      serve("--metrics-bind-address", options.metrics_bind_address,
            [&](const std::string& path) -> runtime::HttpResponse {
              if (path != "/metrics") return {404, "text/plain; charset=utf-8", "not found\n"};
              ExportDnsStats(**resolver, metrics);
              metrics.Set("maildomain_workqueue_depth", {},
                          static_cast<double>(controller.QueueDepth()));
              return {200, "text/plain; version=0.0.4; charset=utf-8", metrics.Render()};
            }) &&
      serve("--health-probe-bind-address", options.health_probe_bind_address,
            [&](const std::string& path) -> runtime::HttpResponse {
              if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
              if (path == "/readyz") {
                if (!stopping && controller.HasSynced()) {
                  return {200, "text/plain; charset=utf-8", "ok\n"};
                }
                return {503, "text/plain; charset=utf-8", "informer cache not synced\n"};
              }
              return {404, "text/plain; charset=utf-8", "not found\n"};
            });
  if (!endpoints_ok) return 1;

  controller.StartInformers();
  std::atomic<bool> lost_leadership{false};
  std::unique_ptr<kube::ApiLeaseClient> lease_client;
  std::unique_ptr<kube::LeaderElector> elector;
  if (options.leader_election.enabled) {
    const std::string ns = options.leader_election.namespace_name.empty()
                               ? PodNamespace(*client_config)
                               : options.leader_election.namespace_name;
    lease_client = std::make_unique<kube::ApiLeaseClient>(**api, ns, options.leader_election.id);
    kube::LeaderElectionConfig election;
    election.identity = recorder_options.reporting_instance;
    election.lease_duration = options.leader_election.lease_duration;
    election.renew_deadline = options.leader_election.renew_deadline;
    election.retry_period = options.leader_election.retry_period;
    // `ns` ends with this block; the elector calls back later, on its own thread.
    election.on_started_leading = [&, ns] {
      spdlog::info("leading (lease {}/{}); starting {} workers", ns, options.leader_election.id,
                   options.workers);
      metrics.Set("maildomain_leader", {}, 1);
      controller.StartWorkers();
    };
    election.on_stopped_leading = [&] {
      metrics.Set("maildomain_leader", {}, 0);
      if (!stopping) {
        spdlog::error("lost the leader lease; exiting so that no two replicas reconcile");
        lost_leadership = true;
        ::kill(::getpid(), SIGTERM);
      }
    };
    if (auto s = kube::ValidateLeaderElectionConfig(election); !s.ok()) {
      spdlog::error("leader election: {}", s.error().message);
      return 1;
    }
    metrics.Set("maildomain_leader", {}, 0);
    elector = std::make_unique<kube::LeaderElector>(election, *lease_client);
    spdlog::info("waiting for the leader lease {}/{} as {}", ns, options.leader_election.id,
                 election.identity);
    elector->Start();
  } else {
    metrics.Set("maildomain_leader", {}, 1);
    controller.StartWorkers();
  }
  spdlog::info("maildomain-operator started: {} workers, namespaces: {}", options.workers,
               options.namespaces.empty() ? std::string("all")
                                          : fmt::format("{}", fmt::join(options.namespaces, ",")));

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  stopping = true;
  spdlog::info("{}: stopping (grace {}s)",
               lost_leadership ? "leadership lost" : strsignal(signal_number),
               kShutdownGrace.count());
  const bool finished = controller.Stop(kShutdownGrace);
  if (elector) elector->Stop();  // releases the lease when held
  recorder.WaitIdle(std::chrono::seconds(2));
  spdlog::info("stopped");
  spdlog::default_logger()->flush();
  const int code = lost_leadership ? 1 : 0;
  if (!finished) std::_Exit(code);  // abandoned checks still reference the objects above
  endpoints.clear();
  return code;
}

}  // namespace mdo::operator_main
