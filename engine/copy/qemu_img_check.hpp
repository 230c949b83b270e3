#pragma once
// One `qemu-img check --output=json` run, parsed. Used both on sources
// (before copying, to catch truncated or damaged metadata that qemu-img
// convert would silently read as zeros) and on our own outputs.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/progress.hpp"

namespace h2k::qemu_img {

struct CheckReport {
  bool supported = true;        // false: the format has no check (exit 63)
  bool cancelled = false;
  int exit_code = -1;           // 0 clean, 1 check failed, 2 corruptions, 3 leaks
  std::uint64_t corruptions = 0;
  std::uint64_t leaks = 0;
  std::uint64_t check_errors = 0;
  std::string first_error;      // first ERROR line (or qemu-img message), tidied
};

// `image_args` name the image: {"-f", "qcow2", path} or {"-U", "json:{...}"}.
// `spec`/`display` let messages name the file the user knows.
CheckReport run_check(const std::string& qemu_img, const std::vector<std::string>& image_args,
                      const std::string& spec, const std::string& display, const CancelToken& cancel);

}  // namespace h2k::qemu_img
