#include "engine/guest/linux/text_lines.hpp"

#include <cctype>

namespace h2k::linux_guest::detail {

std::vector<TextLine> split_lines(std::string_view text) {
  std::vector<TextLine> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back({std::string(text.substr(start)), ""});
      break;
    }
    lines.push_back({std::string(text.substr(start, nl - start)), "\n"});
    start = nl + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<TextLine>& lines) {
  std::string out;
  for (const auto& l : lines) {
    out += l.text;
    out += l.eol;
  }
  return out;
}

bool is_blank_char(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim_left(std::string_view s) {
  std::size_t b = 0;
  while (b < s.size() && is_blank_char(s[b])) ++b;
  return s.substr(b);
}

std::string_view trim(std::string_view s) {
  s = trim_left(s);
  std::size_t e = s.size();
  while (e > 0 && is_blank_char(s[e - 1])) --e;
  return s.substr(0, e);
}

bool is_comment_or_blank(std::string_view line) {
  auto t = trim_left(line);
  return t.empty() || t.front() == '#';
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_blank_char(s[i])) ++i;
    std::size_t b = i;
    while (i < s.size() && !is_blank_char(s[i])) ++i;
    if (i > b) words.emplace_back(s.substr(b, i - b));
  }
  return words;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
    return s.substr(1, s.size() - 2);
  return s;
}

std::string display_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return std::string(line);
}

}  // namespace h2k::linux_guest::detail
