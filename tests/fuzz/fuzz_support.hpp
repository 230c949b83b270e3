#pragma once
// Shared bits for the libFuzzer targets. A target may only let
// ConversionError escape its parser: any other exception, crash, sanitizer
// report or failed H2K_FUZZ_CHECK is a bug that the fuzzer should find.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/formats/byte_source.hpp"

#define H2K_FUZZ_CHECK(cond)                                                            \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace h2k::fuzz {

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Every error must name its file and give a reason (the project's rule).
inline void check_error(const ConversionError& e, const std::string& name) {
  H2K_FUZZ_CHECK(e.file() == name);
  H2K_FUZZ_CHECK(!e.reason().empty());
}

// A large, mostly-zero file described compactly, so formats whose structures
// sit megabytes apart (VHDX) can be fuzzed with small inputs:
//   u32 LE  file size in 512-byte sectors
//   then records: u32 LE byte offset, u16 LE length, `length` bytes
// The file is zeros with the records laid over them (later records win).
// tests/fuzz/make_sparse_seed.py turns a real image into this form.
class SparseFileSource final : public ByteSource {
public:
  SparseFileSource(std::string_view input, std::string name) : name_(std::move(name)) {
    auto le = [&](std::size_t at, int width) {
      std::uint64_t v = 0;
      for (int i = 0; i < width; ++i) v |= std::uint64_t{static_cast<unsigned char>(input[at + i])} << (8 * i);
      return v;
    };
    if (input.size() < 4) return;
    size_ = le(0, 4) * 512;
    std::size_t at = 4;
    while (input.size() - at >= 6) {
      std::uint64_t offset = le(at, 4);
      std::size_t length = static_cast<std::size_t>(le(at + 4, 2));
      at += 6;
      length = std::min(length, input.size() - at);
      patches_.push_back({offset, input.substr(at, length)});
      at += length;
    }
  }

  std::uint64_t size() const override { return size_; }
  const std::string& name() const override { return name_; }

  // Lays `bytes` over the file at `offset` (e.g. a recomputed checksum).
  void put(std::uint64_t offset, std::string bytes) {
    owned_.push_back(std::move(bytes));
    patches_.push_back({offset, owned_.back()});
  }

  std::string read(std::uint64_t offset, std::size_t length) const override {
    if (offset >= size_) return {};
    std::uint64_t end = offset + std::min<std::uint64_t>(length, size_ - offset);
    std::string out(static_cast<std::size_t>(end - offset), '\0');
    for (const auto& p : patches_) {
      std::uint64_t from = std::max(offset, p.offset);
      std::uint64_t to = std::min(end, p.offset + p.bytes.size());
      if (from < to) out.replace(from - offset, to - from, p.bytes.substr(from - p.offset, to - from));
    }
    return out;
  }

private:
  struct Patch {
    std::uint64_t offset;
    std::string_view bytes;
  };
  std::uint64_t size_ = 0;
  std::vector<Patch> patches_;
  std::deque<std::string> owned_;  // deque: growing it keeps earlier views valid
  std::string name_;
};

}  // namespace h2k::fuzz
