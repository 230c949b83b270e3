#pragma once
// Removes a file on scope exit unless release() was called: the copier's
// guarantee that a failed or cancelled copy leaves no partial output behind.
#include <filesystem>
#include <system_error>

namespace h2k {

class PartialOutput {
public:
  explicit PartialOutput(std::filesystem::path path) : path_(std::move(path)) {}
  ~PartialOutput() {
    if (armed_) {
      std::error_code ec;   // best effort: we are already failing
      std::filesystem::remove(path_, ec);
    }
  }
  PartialOutput(const PartialOutput&) = delete;
  PartialOutput& operator=(const PartialOutput&) = delete;
  void release() { armed_ = false; }

private:
  std::filesystem::path path_;
  bool armed_ = true;
};

}  // namespace h2k
