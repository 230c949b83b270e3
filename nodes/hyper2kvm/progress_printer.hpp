#pragma once
// Terminal progress for `hyper2kvm convert`: a redrawn status line on a TTY,
// plain timestamped lines otherwise (logs, CI).
#include <chrono>
#include <cstdio>
#include <string>

#include "engine/core/progress.hpp"

namespace h2k::cli {

class ProgressPrinter {
public:
  ProgressPrinter(std::FILE* out, bool quiet);
  void operator()(const ProgressEvent& ev);
  void finish();  // ends a redrawn line

private:
  std::FILE* out_;
  bool quiet_;
  bool tty_;
  bool line_open_ = false;
  std::string last_phase_;
  std::string last_message_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_;
};

std::string human_bytes(double bytes);
std::string human_duration(double seconds);

}  // namespace h2k::cli
