#pragma once
// Where a parser's bytes come from: a file, a window of a file (a disk stored
// uncompressed inside an OVA), or memory (tests, fuzzers). Header parsers take
// a ByteSource so the same code runs on real files and on fuzzer buffers.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace h2k {

class ByteSource {
public:
  virtual ~ByteSource() = default;
  // Total length in bytes.
  virtual std::uint64_t size() const = 0;
  // Up to `length` bytes at `offset`: fewer only past the end, none beyond it.
  virtual std::string read(std::uint64_t offset, std::size_t length) const = 0;
  // What error messages call this source ("web01.vmdk", "vm.ova:disk1.vmdk").
  virtual const std::string& name() const = 0;
};

class MemoryByteSource final : public ByteSource {
public:
  MemoryByteSource(std::string_view bytes, std::string name) : bytes_(bytes), name_(std::move(name)) {}
  std::uint64_t size() const override { return bytes_.size(); }
  std::string read(std::uint64_t offset, std::size_t length) const override;
  const std::string& name() const override { return name_; }

private:
  std::string_view bytes_;  // not owned
  std::string name_;
};

class FileByteSource final : public ByteSource {
public:
  // The whole file, or `length` bytes from `offset` when given. Throws
  // ConversionError(InvalidInput) naming the file when it cannot be read or
  // the window lies outside it.
  explicit FileByteSource(std::filesystem::path path, std::uint64_t offset = 0,
                          std::optional<std::uint64_t> length = std::nullopt, std::string display_name = "");
  std::uint64_t size() const override { return size_; }
  std::string read(std::uint64_t offset, std::size_t length) const override;
  const std::string& name() const override { return name_; }
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
  std::uint64_t offset_;
  std::uint64_t size_;
  std::string name_;
};

// Reads exactly `length` bytes or throws InvalidInput "<name>: truncated: <what> ...".
std::string read_exact(const ByteSource& src, std::uint64_t offset, std::size_t length, const std::string& what);

}  // namespace h2k
