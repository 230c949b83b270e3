#include "storage/dedup_key.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <openssl/evp.h>
#include <xxhash.h>

#include "engine/core/error.hpp"

namespace h2k {
namespace {

constexpr std::size_t kChunk = 4u << 20;  // large reads: few syscalls, and the readahead keeps up

std::string hex(const unsigned char* bytes, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 0xf]);
  }
  return out;
}

// Reads `file` start to end in kChunk pieces, calling feed(data, size).
template <typename Feed>
void stream_file(const std::filesystem::path& file, const CancelToken& cancel, Feed&& feed, const BytesRead& on_read) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ConversionError(ErrorKind::Io, file.string(), std::string("cannot open: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::unique_ptr<char[]> buf(new char[kChunk]);
  for (;;) {
    cancel.throw_if_cancelled(file.string());
    const ssize_t n = ::read(fd, buf.get(), kChunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ConversionError(ErrorKind::Io, file.string(), std::string("read failed: ") + std::strerror(errno));
    }
    if (n == 0) break;
    feed(buf.get(), static_cast<std::size_t>(n));
    if (on_read) on_read(static_cast<std::uint64_t>(n));
  }
}

std::string file_part(const std::filesystem::path& file, DedupMethod method, const CancelToken& cancel,
                      const BytesRead& on_read) {
  switch (method) {
    case DedupMethod::NameAndSize: {
      std::error_code ec;
      const auto size = std::filesystem::file_size(file, ec);
      if (ec) throw ConversionError(ErrorKind::Io, file.string(), "cannot read its size: " + ec.message());
      return file.filename().string() + ":" + std::to_string(size);
    }
    case DedupMethod::Md5: return md5_hex(file, cancel, on_read);
    case DedupMethod::Xxh128: return xxh128_hex(file, cancel, on_read);
  }
  return {};
}

}  // namespace

const char* to_string(DedupMethod m) {
  switch (m) {
    case DedupMethod::NameAndSize: return "name_size";
    case DedupMethod::Md5: return "md5";
    case DedupMethod::Xxh128: return "xxh128";
  }
  return "unknown";
}

std::optional<DedupMethod> dedup_method_from_string(std::string_view s) {
  for (auto m : {DedupMethod::NameAndSize, DedupMethod::Md5, DedupMethod::Xxh128})
    if (s == to_string(m)) return m;
  return std::nullopt;
}

std::string md5_hex(const std::filesystem::path& file, const CancelToken& cancel, const BytesRead& on_read) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1)
    throw ConversionError(ErrorKind::Internal, file.string(), "OpenSSL MD5 unavailable");
  stream_file(
      file, cancel, [&](const char* data, std::size_t n) { EVP_DigestUpdate(ctx.get(), data, n); }, on_read);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  return hex(digest, len);
}

std::string xxh128_hex(const std::filesystem::path& file, const CancelToken& cancel, const BytesRead& on_read) {
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), XXH3_freeState);
  if (!state || XXH3_128bits_reset(state.get()) != XXH_OK)
    throw ConversionError(ErrorKind::Internal, file.string(), "xxHash state unavailable");
  stream_file(
      file, cancel, [&](const char* data, std::size_t n) { XXH3_128bits_update(state.get(), data, n); }, on_read);
  // The canonical (big-endian) form, as `xxhsum -H2` prints it.
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state.get()));
  return hex(canonical.digest, sizeof canonical.digest);
}

std::string dedup_key(const std::filesystem::path& file, DedupMethod method, const CancelToken& cancel) {
  return std::string(to_string(method)) + ":" + file_part(file, method, cancel, {});
}

std::string dedup_key(const std::vector<std::filesystem::path>& files, DedupMethod method,
                      const CancelToken& cancel, const BytesRead& on_read) {
  std::string key = std::string(to_string(method)) + ":";
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (i) key += ",";
    key += file_part(files[i], method, cancel, on_read);
  }
  return key;
}

}  // namespace h2k
