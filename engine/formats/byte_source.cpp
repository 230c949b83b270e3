#include "engine/formats/byte_source.hpp"

#include <algorithm>
#include <system_error>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"

namespace h2k {

std::string MemoryByteSource::read(std::uint64_t offset, std::size_t length) const {
  if (offset >= bytes_.size()) return {};
  return std::string(bytes_.substr(static_cast<std::size_t>(offset), length));
}

FileByteSource::FileByteSource(std::filesystem::path path, std::uint64_t offset,
                               std::optional<std::uint64_t> length, std::string display_name)
    : path_(std::move(path)), offset_(offset), name_(display_name.empty() ? path_.string() : std::move(display_name)) {
  std::error_code ec;
  if (std::filesystem::is_directory(path_, ec))
    throw ConversionError(ErrorKind::InvalidInput, name_, "is a directory, not a disk");
  std::uint64_t file_size = std::filesystem::file_size(path_, ec);
  if (ec) throw ConversionError(ErrorKind::InvalidInput, name_, "cannot read: " + ec.message());
  if (offset_ > file_size)
    throw ConversionError(ErrorKind::InvalidInput, name_,
                          "truncated: starts at byte " + std::to_string(offset_) + " but the file has only " +
                              std::to_string(file_size) + " bytes");
  size_ = file_size - offset_;
  if (length) {
    if (*length > size_)
      throw ConversionError(ErrorKind::InvalidInput, name_,
                            "truncated: declared " + std::to_string(*length) + " bytes but only " +
                                std::to_string(size_) + " are present");
    size_ = *length;
  }
}

std::string FileByteSource::read(std::uint64_t offset, std::size_t length) const {
  if (offset >= size_) return {};
  std::uint64_t n = std::min<std::uint64_t>(length, size_ - offset);
  return read_at(path_, offset_ + offset, static_cast<std::size_t>(n));
}

std::string read_exact(const ByteSource& src, std::uint64_t offset, std::size_t length, const std::string& what) {
  std::string data = src.read(offset, length);
  if (data.size() != length)
    throw ConversionError(ErrorKind::InvalidInput, src.name(),
                          "truncated: " + what + " needs bytes " + std::to_string(offset) + ".." +
                              std::to_string(offset + length) + " but the file has " + std::to_string(src.size()) +
                              " bytes");
  return data;
}

}  // namespace h2k
