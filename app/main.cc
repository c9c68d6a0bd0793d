// certadns: the certificate service's single binary (DESIGN.md "Contracts").
//   certadns serve --config FILE
//   certadns user add --email E --plan P [--password P]   (and user set-plan, set-password)
//   certadns apikey create --email E                       (and apikey revoke --key ID)
//   certadns zone import --email E --name N [--verified]
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/cli.h"
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
  certadns::app::AdminCli admin(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (or the help); its own exit codes (105, 106, ...) become the
    // conventional 2 for a usage error.
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!serve->parsed()) {
    // The admin commands keep stdout for their results (`apikey create` prints only the key).
    spdlog::set_default_logger(spdlog::stderr_color_st("certadns"));
  }
  if (const char* level = std::getenv("CERTADNS_LOG_LEVEL")) {
    spdlog::set_level(spdlog::level::from_str(level));
  }
  if (serve->parsed()) return Serve(config_path);
  return admin.Run(std::cin, std::cout, std::cerr).value_or(0);
}
