#pragma once
// `hyperctl convert --vm NAME --vcenter HOST` (one-command migration: the
// daemon exports the VM from vSphere and converts it) and `--batch FILE`
// (many VMs, at most --parallel exporting at a time); `hyperctl logs ID`
// (a job's journal). What is shown while following is in follow_view.hpp.
#include <string>

#include <CLI/CLI.hpp>

#include "tools/hyperctl/control_client.hpp"

namespace h2k::hyperctl {

struct ConvertOptions {
  std::string vm;
  std::string batch;        // file: one VM name per line
  std::size_t parallel = 2;
  std::string vcenter;      // HOST[:PORT]
  std::string username;
  std::string credentials;  // YAML file, mode 0600
  std::string datacenter;
  std::string priority;
  std::string thumbprint;
  std::string ca_file;
  bool insecure = false;
  bool shutdown = false;
  bool define = false;
  bool follow = false;
  double interval_s = 1;
};

struct ConvertCommand {
  CLI::App* convert = nullptr;
  ConvertOptions options;
};

struct LogsCommand {
  CLI::App* logs = nullptr;
  std::string job_id;
  bool follow = false;
};

void add_convert_command(CLI::App& app, ConvertCommand& command);
void add_logs_command(CLI::App& app, LogsCommand& command);

// Exit codes as in exit_codes.hpp; 130 when Ctrl-C stopped the following
// (the jobs go on). ControlClientError propagates to main().
// `server_url`: hyperctl --server ("" for the socket); a password sent over
// plain http to another host is warned about.
int run_convert_command(ControlClient& client, const ConvertOptions& options, bool json, const std::string& server_url);
int run_logs_command(ControlClient& client, const LogsCommand& command, bool json);

}  // namespace h2k::hyperctl
