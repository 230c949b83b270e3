#include "engine/copy/qemu_img_message.hpp"

#include <string_view>
#include <vector>

namespace h2k::qemu_img {
namespace {

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> non_empty_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find_first_of("\r\n", pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = trim(std::string_view(text).substr(pos, nl - pos));
    if (!line.empty()) lines.push_back(std::move(line));
    pos = nl + 1;
  }
  return lines;
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

std::string tidy(std::string line, const std::string& spec, const std::string& display) {
  constexpr std::string_view prefix = "qemu-img: ";
  if (line.rfind(prefix, 0) == 0) line.erase(0, prefix.size());
  // The json: spec is machinery; the user knows the disk by its display name.
  if (!spec.empty())
    for (auto at = line.find(spec); at != std::string::npos; at = line.find(spec, at + display.size()))
      line.replace(at, spec.size(), display);
  return line;
}

bool is_warning(const std::string& line) {
  return line.rfind("qemu-img: warning:", 0) == 0 || line.rfind("warning:", 0) == 0;
}

}  // namespace

std::string first_message(const std::string& stderr_text, const std::string& spec, const std::string& display) {
  auto lines = non_empty_lines(stderr_text);
  for (const auto& line : lines)
    if (!is_warning(line)) return tidy(line, spec, display);
  return lines.empty() ? std::string() : tidy(lines.front(), spec, display);
}

std::string first_check_error(const std::string& stderr_text, const std::string& spec, const std::string& display) {
  for (const auto& line : non_empty_lines(stderr_text))
    if (line.rfind("ERROR", 0) == 0) return tidy(line, spec, display);
  return first_message(stderr_text, spec, display);
}

ConvertFailure classify_convert_failure(const std::string& message, const std::string& output_path) {
  if (contains(message, "No space left on device") || contains(message, "Disk quota exceeded"))
    return {ErrorKind::NoSpace, true};
  if (contains(message, "error while writing") || contains(message, "Could not create") ||
      (!output_path.empty() && contains(message, output_path)))
    return {ErrorKind::Io, true};
  if (contains(message, "error while reading"))
    // EIO is the storage failing (may pass on retry); anything else while
    // reading (EINVAL, ...) is qemu's format driver rejecting the data.
    return {contains(message, "Input/output error") ? ErrorKind::Io : ErrorKind::InvalidInput, false};
  if (contains(message, "Could not open") || contains(message, "Could not read") || contains(message, "Invalid"))
    return {ErrorKind::InvalidInput, false};
  return {ErrorKind::Internal, false};
}

}  // namespace h2k::qemu_img
