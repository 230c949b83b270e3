#pragma once
// `hyper2kvm export`: download a powered-off VM from vCenter/ESXi into a
// folder hyper2kvm can convert (disks, OVF, manifest.json).
#include <string>

#include <CLI/CLI.hpp>

namespace h2k::cli {

struct ExportCli {
  std::string vm;
  std::string vcenter;
  std::string output_dir;
  std::string username;
  std::string credentials_file;
  std::string datacenter;
  int parallel_disks = 4;
  bool shutdown = false;
  int shutdown_timeout = 300;
  bool insecure = false;
  std::string thumbprint;
  std::string ca_file;
  bool json = false;
  bool quiet = false;
};

// Adds the subcommand and its options (bound to `cli`) to `app`.
CLI::App* add_export_command(CLI::App& app, ExportCli& cli);

// Runs it; returns the process exit code (exit_codes.hpp).
int run_export(const ExportCli& cli);

}  // namespace h2k::cli
