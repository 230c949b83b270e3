#pragma once
// A scratch folder per test, removed afterwards.
#include <unistd.h>

#include <filesystem>
#include <string>

namespace h2k::test {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/h2k-storage-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path db() const { return path / "output" / ".daemon" / "state.rocksdb"; }
};

}  // namespace h2k::test
