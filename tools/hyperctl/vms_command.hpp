#pragma once
// `hyperctl vms list|info`: talks to vCenter (vSphere Web Services)
// directly, not to the daemon: which VMs there are and what one looks like,
// before converting it.
#include <string>

#include <CLI/CLI.hpp>

namespace h2k::hyperctl {

struct VmsOptions {
  std::string vcenter;      // HOST[:PORT]
  std::string username;
  std::string credentials;  // YAML file, mode 0600
  std::string datacenter;
  std::string thumbprint;
  std::string ca_file;
  bool insecure = false;
  std::string vm;           // info: name or inventory path
};

struct VmsCommand {
  CLI::App* vms = nullptr;
  CLI::App* list = nullptr;
  CLI::App* info = nullptr;
  VmsOptions options;
};

// Adds `vms` with `list` and `info NAME` to `app`; the parsed values land in
// `command`, which must outlive the parse.
void add_vms_command(CLI::App& app, VmsCommand& command);

// Runs the parsed `vms` subcommand; returns the exit code (exit_codes.hpp).
int run_vms_command(const VmsCommand& command, bool json);

}  // namespace h2k::hyperctl
