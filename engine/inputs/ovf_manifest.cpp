#include "engine/inputs/ovf_manifest.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <memory>

#include "engine/core/error.hpp"

namespace h2k {
namespace {

constexpr std::size_t kChunk = 4u << 20;

const EVP_MD* md_for(const std::string& algorithm) {
  if (algorithm == "SHA1") return EVP_sha1();
  if (algorithm == "SHA256") return EVP_sha256();
  if (algorithm == "SHA512") return EVP_sha512();
  return nullptr;
}

std::size_t hex_length(const std::string& algorithm) {
  if (algorithm == "SHA1") return 40;
  if (algorithm == "SHA256") return 64;
  if (algorithm == "SHA512") return 128;
  return 0;
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string shown(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 120)) out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  return out;
}

}  // namespace

std::vector<ManifestLine> parse_manifest(std::string_view text, const std::string& mf_name) {
  std::vector<ManifestLine> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    const auto bad = [&](const std::string& why) {
      throw_invalid(mf_name, "line " + std::to_string(line_no) + ": " + why + " ('" + shown(line) + "')");
    };
    // "SHA256(web01-disk1.vmdk)= 3f5a..." ; spacing around '=' varies between tools.
    auto open = line.find('(');
    auto eq = line.rfind('=');
    if (open == std::string_view::npos || eq == std::string_view::npos || eq < open) bad("expected ALGORITHM(file)= digest");
    auto close = line.rfind(')', eq);
    if (close == std::string_view::npos || close < open) bad("expected ALGORITHM(file)= digest");
    if (!trim(line.substr(close + 1, eq - close - 1)).empty()) bad("unexpected text between ')' and '='");
    ManifestLine m;
    for (char c : trim(line.substr(0, open))) m.algorithm += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (m.algorithm == "SHA-1") m.algorithm = "SHA1";
    if (m.algorithm == "SHA-256") m.algorithm = "SHA256";
    if (m.algorithm == "SHA-512") m.algorithm = "SHA512";
    m.file = std::string(line.substr(open + 1, close - open - 1));
    if (m.file.empty()) bad("empty file name");
    if (!md_for(m.algorithm)) bad("unknown digest algorithm '" + shown(m.algorithm) + "' (expected SHA1, SHA256 or SHA512)");
    std::string_view hex = trim(line.substr(eq + 1));
    for (char c : hex) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) bad("digest is not hexadecimal");
      m.hex_digest += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (m.hex_digest.size() != hex_length(m.algorithm))
      bad(m.algorithm + " digest must have " + std::to_string(hex_length(m.algorithm)) + " hex digits, not " +
          std::to_string(m.hex_digest.size()));
    out.push_back(std::move(m));
  }
  return out;
}

std::string digest_hex(const std::string& algorithm, const ByteSource& source, std::uint64_t offset,
                       std::uint64_t length, const std::string& file_for_errors) {
  const EVP_MD* md = md_for(algorithm);
  if (!md) throw ConversionError(ErrorKind::Internal, file_for_errors, "unknown digest algorithm " + algorithm);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1)
    throw ConversionError(ErrorKind::Internal, file_for_errors, "OpenSSL cannot start a " + algorithm + " digest");
  std::uint64_t done = 0;
  while (done < length) {
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, length - done));
    std::string chunk = source.read(offset + done, want);
    if (chunk.size() != want)
      throw ConversionError(ErrorKind::InvalidInput, file_for_errors,
                            "unexpected end of data while computing its " + algorithm + " digest");
    EVP_DigestUpdate(ctx.get(), chunk.data(), chunk.size());
    done += want;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &digest_len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < digest_len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::vector<std::string> verify_manifest(const std::vector<ManifestLine>& lines, const std::string& package,
                                         const std::string& mf_name,
                                         const std::function<std::optional<ManifestTarget>(const std::string&)>& resolve) {
  std::vector<std::string> verified;
  for (const auto& line : lines) {
    auto target = resolve(line.file);
    if (!target)
      throw_invalid(package, "manifest " + mf_name + " lists '" + shown(line.file) + "', which is not in the package");
    std::string got = digest_hex(line.algorithm, *target->source, target->offset, target->length, package + ":" + line.file);
    if (got != line.hex_digest)
      throw_invalid(package, "checksum mismatch for " + shown(line.file) + " (" + line.algorithm + " expected " +
                                 line.hex_digest + ", got " + got + ")");
    verified.push_back(line.file);
  }
  return verified;
}

}  // namespace h2k
