#pragma once
// A file in the temporary folder that lives as long as this object: the
// request a child process (`__guest-fix`, `__boot-journal`,
// `__appliance-probe`) reads, or a scratch disk.
#include <filesystem>
#include <string>

namespace h2k {

class TempFile {
public:
  // `name_template` ends in XXXXXX plus `suffix_length` more characters
  // ("h2k-guest-fix-XXXXXX.json", 5). Throws ConversionError(Io) naming the
  // file when it cannot be created or written.
  TempFile(const std::string& name_template, int suffix_length, const std::string& content);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

}  // namespace h2k
