// kube-testserver: a faithful in-memory subset of kube-apiserver for tests and the demo.
// See docs/kube-testserver.md.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "testserver/api_server.h"
#include "testserver/certs.h"
#include "testserver/http_server.h"

namespace {

constexpr const char* kUsage =
    "usage: kube-testserver --port N --kubeconfig-out FILE [--tls DIR] [--token T]\n"
    "                       [--tls-san SANS] [--client-ca FILE]\n"
    "                       [--bind-address ADDR] [--watch-history N] [--bookmark-interval S]\n";

bool WriteKubeconfig(const std::string& path, const std::string& url, const std::string& ca,
                     const std::string& token) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return false;
  out << "apiVersion: v1\nkind: Config\nclusters:\n- name: kube-testserver\n  cluster:\n"
      << "    server: " << url << "\n";
  if (!ca.empty()) out << "    certificate-authority: " << ca << "\n";
  out << "users:\n- name: kube-testserver\n  user:";
  if (token.empty()) {
    out << " {}\n";
  } else {
    out << "\n    token: " << token << "\n";
  }
  out << "contexts:\n- name: kube-testserver\n  context:\n    cluster: kube-testserver\n"
      << "    user: kube-testserver\n    namespace: default\n"
      << "current-context: kube-testserver\npreferences: {}\n";
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  int port = -1;
  std::string kubeconfig, tls_dir, token, bind = "127.0.0.1", client_ca;
  std::string tls_sans = mdo::testserver::kDefaultServingSans;
  mdo::testserver::ServerOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "kube-testserver: " << arg << " needs a value\n" << kUsage;
        std::exit(2);
      }
      return argv[++i];
    };
    auto number = [&](const std::string& text) {
      char* end = nullptr;
      long n = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || n < 0 || n > 100000000) {
        std::cerr << "kube-testserver: " << arg << ": not a number: " << text << "\n";
        std::exit(2);
      }
      return n;
    };
    if (arg == "--port") {
      port = static_cast<int>(number(value()));
    } else if (arg == "--kubeconfig-out") {
      kubeconfig = value();
    } else if (arg == "--tls") {
      tls_dir = value();
    } else if (arg == "--token") {
      token = value();
    } else if (arg == "--tls-san") {
      tls_sans = value();
    } else if (arg == "--client-ca") {
      client_ca = value();
    } else if (arg == "--bind-address") {
      bind = value();
    } else if (arg == "--watch-history") {
      options.watch_history = static_cast<size_t>(std::max(1L, number(value())));
    } else if (arg == "--bookmark-interval") {
      options.bookmark_interval_seconds = static_cast<int>(std::max(1L, number(value())));
    } else if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "kube-testserver: unknown flag " << arg << "\n" << kUsage;
      return 2;
    }
  }
  if (port < 0 || port > 65535 || kubeconfig.empty()) {
    std::cerr << "kube-testserver: --port and --kubeconfig-out are required\n" << kUsage;
    return 2;
  }
  if (!client_ca.empty() && tls_dir.empty()) {
    std::cerr << "kube-testserver: --client-ca needs --tls\n" << kUsage;
    return 2;
  }
  options.token = token;
  options.client_cert_auth = !client_ca.empty();

  // Signals are taken by sigwait below; every thread inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  mdo::testserver::HttpServerOptions http_options;
  http_options.bind_address = bind;
  http_options.port = port;
  std::string ca;
  if (!tls_dir.empty()) {
    auto files = mdo::testserver::EnsureTlsFiles(tls_dir, tls_sans);
    if (!files.ok()) {
      std::cerr << "kube-testserver: " << files.error().message << "\n";
      return 1;
    }
    http_options.cert_file = files->cert;
    http_options.key_file = files->key;
    http_options.client_ca_file = client_ca;
    ca = files->ca_cert;
  }
  mdo::testserver::ApiServer api(options);
  mdo::testserver::HttpServer server(api, http_options);
  auto bound = server.Start();
  if (!bound.ok()) {
    std::cerr << "kube-testserver: " << bound.error().message << "\n";
    return 1;
  }
  std::string host = bind.find(':') != std::string::npos ? "[" + bind + "]" : bind;
  std::string host_port = host + ":" + std::to_string(*bound);
  std::string url = (tls_dir.empty() ? "http://" : "https://") + host_port;
  api.set_server_address(host_port);
  if (!WriteKubeconfig(kubeconfig, url, ca, token)) {
    std::cerr << "kube-testserver: cannot write " << kubeconfig << "\n";
    return 1;
  }
  std::cout << "listening on " << url << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  server.Stop();
  return 0;
}
