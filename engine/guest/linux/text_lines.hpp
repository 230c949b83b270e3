#pragma once
// Line-level helpers shared by the rewriters. Every rewriter must hand back a
// file that is byte-identical except for the lines it meant to change, so text
// is split into lines that remember their own terminator.
#include <string>
#include <string_view>
#include <vector>

namespace h2k::linux_guest::detail {

struct TextLine {
  std::string text;  // without the terminator (a '\r' of a CRLF file stays here)
  std::string eol;   // "\n", or "" for a last line that has no newline
};

std::vector<TextLine> split_lines(std::string_view text);
std::string join_lines(const std::vector<TextLine>& lines);

// Whitespace as config files mean it: space, tab, CR (a CRLF file's '\r').
bool is_blank_char(char c);
std::string_view trim(std::string_view s);
std::string_view trim_left(std::string_view s);
// True when the line is empty or its first non-blank character is '#'.
bool is_comment_or_blank(std::string_view line);
// Whitespace-separated words of a line.
std::vector<std::string> split_words(std::string_view s);
std::string to_lower(std::string_view s);
// Strips one pair of matching surrounding quotes ("x" or 'x').
std::string_view unquote(std::string_view s);
// A line as shown in warnings and change records: no trailing '\r'.
std::string display_line(std::string_view line);

}  // namespace h2k::linux_guest::detail
