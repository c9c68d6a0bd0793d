// certadns: the certificate service's single binary (DESIGN.md "Contracts").
//   certadns serve --config FILE
#include <csignal>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "app/config.h"
#include "app/service.h"

namespace {

int Serve(const std::string& config_path) {
  auto config = certadns::app::LoadConfig(config_path, certadns::app::ProcessEnv);
  if (!config.ok()) {
    spdlog::error("{}", config.error().message());
    return 2;
  }
  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto service = certadns::app::Service::Create(*config);
  if (!service.ok()) {
    spdlog::error("cannot start: {}", service.error().message());
    return 1;
  }
  if (auto status = (*service)->Start(); !status.ok()) {
    spdlog::error("cannot start: {}", status.error().message());
    return 1;
  }
  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("signal {} received, stopping", signal);
  (*service)->Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"certadns: TLS certificates for the zones CertaDNS hosts"};
  app.require_subcommand(1);

  std::string config_path;
  CLI::App* serve = app.add_subcommand("serve", "Run the API server and issuance workers");
  serve->add_option("--config", config_path, "TOML configuration file")->check(CLI::ExistingFile);

  CLI11_PARSE(app, argc, argv);
  if (const char* level = std::getenv("CERTADNS_LOG_LEVEL")) {
    spdlog::set_level(spdlog::level::from_str(level));
  }
  if (serve->parsed()) return Serve(config_path);
  return 0;
}
