// /etc/mkinitcpio.conf (Arch and derivatives): MODULES lists modules that are
// always included and loaded early, regardless of the autodetect hook, which
// would otherwise keep only the drivers of the VMware hardware it ran on.
#include <optional>
#include <string>
#include <string_view>

#include "engine/guest/linux/module_names.hpp"
#include "engine/guest/linux/rewriters.hpp"
#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {
namespace {

constexpr std::string_view kKey = "MODULES=";

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Inserts `words` before position `at` (a closing ')' or quote) right after
// the last item, one space apart: "(a b)" -> "(a b x y)", "()" -> "(x y)".
// `open` is the opening '(' or quote when it is on the same line.
void insert_before_close(std::string& line, std::size_t at, std::optional<std::size_t> open, const std::string& words) {
  const std::size_t lower = open ? *open + 1 : 0;
  std::size_t j = at;
  while (j > lower && detail::is_blank_char(line[j - 1])) --j;
  line.insert(j, (j == lower ? "" : " ") + words);
}

struct ArrayScan {
  std::vector<std::string> items;
  std::optional<std::size_t> close_line;  // where the ')' is
  std::size_t close_pos = 0;
};

// Bash array syntax, as much of it as mkinitcpio.conf uses: words, quoted
// words, '#' comments at word start, and the array spanning several lines.
ArrayScan scan_array(const std::vector<detail::TextLine>& lines, std::size_t first, std::size_t pos) {
  ArrayScan scan;
  for (std::size_t l = first; l < lines.size(); ++l) {
    const std::string& s = lines[l].text;
    std::size_t p = (l == first) ? pos : 0;
    while (p < s.size()) {
      while (p < s.size() && detail::is_blank_char(s[p])) ++p;
      if (p >= s.size() || s[p] == '#') break;
      if (s[p] == ')') {
        scan.close_line = l;
        scan.close_pos = p;
        return scan;
      }
      std::size_t b = p;
      if (s[p] == '"' || s[p] == '\'') {
        std::size_t q = s.find(s[p], p + 1);
        p = (q == std::string::npos) ? s.size() : q + 1;
      } else {
        while (p < s.size() && !detail::is_blank_char(s[p]) && s[p] != ')') ++p;
      }
      scan.items.emplace_back(detail::unquote(std::string_view(s).substr(b, p - b)));
    }
  }
  return scan;
}

std::string leading_blanks(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && detail::is_blank_char(s[i])) ++i;
  return std::string(s.substr(0, i));
}

}  // namespace

RewriteResult add_mkinitcpio_modules(const std::string& conf, const std::vector<std::string>& modules) {
  RewriteResult result;
  result.content = conf;
  auto lines = detail::split_lines(conf);

  // The file is sourced by bash: the last assignment is the one that counts.
  std::optional<std::size_t> assign;
  for (std::size_t n = 0; n < lines.size(); ++n)
    if (detail::trim_left(lines[n].text).substr(0, kKey.size()) == kKey) assign = n;

  if (!assign) {
    auto missing = detail::missing_modules({}, modules);
    if (missing.empty()) return result;
    std::string line = "MODULES=(" + join(missing) + ")";
    if (!result.content.empty() && result.content.back() != '\n') result.content += '\n';
    result.content += "# hyper2kvm: virtio drivers, so the converted guest finds its disks on KVM\n" + line + "\n";
    result.changes.push_back({0, "", line});
    return result;
  }

  const std::size_t n = *assign;
  std::string& line = lines[n].text;
  const std::string before = detail::display_line(line);
  const std::size_t value = line.find(kKey) + kKey.size();
  const char opener = value < line.size() ? line[value] : '\0';

  if (opener == '(') {                       // MODULES=(a b), possibly over several lines
    ArrayScan scan = scan_array(lines, n, value + 1);
    if (!scan.close_line) {
      result.warnings.push_back("mkinitcpio.conf line " + std::to_string(n + 1) +
                                ": MODULES=( has no closing ')'; left as is");
      return result;
    }
    auto missing = detail::missing_modules(scan.items, modules);
    if (missing.empty()) return result;
    std::string& close = lines[*scan.close_line].text;
    bool close_alone = detail::trim(std::string_view(close).substr(0, scan.close_pos)).empty();
    if (*scan.close_line != n && close_alone) {
      // One module per line, indented like the entries above it.
      std::string indent = "    ";
      for (std::size_t l = n + 1; l < *scan.close_line; ++l)
        if (!detail::trim(lines[l].text).empty()) { indent = leading_blanks(lines[l].text); break; }
      std::vector<detail::TextLine> added;
      for (const auto& m : missing) {
        added.push_back({indent + m, "\n"});
        result.changes.push_back({0, "", indent + m});
      }
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(*scan.close_line), added.begin(), added.end());
    } else {
      std::string close_before = detail::display_line(close);
      std::optional<std::size_t> open;
      if (*scan.close_line == n) open = value;
      insert_before_close(close, scan.close_pos, open, join(missing));
      result.changes.push_back({static_cast<int>(*scan.close_line + 1), close_before, detail::display_line(close)});
    }
  } else if (opener == '"' || opener == '\'') {   // the old string form, MODULES="a b"
    std::size_t close = line.find(opener, value + 1);
    if (close == std::string::npos) {
      result.warnings.push_back("mkinitcpio.conf line " + std::to_string(n + 1) +
                                ": MODULES string has no closing quote; left as is");
      return result;
    }
    auto missing = detail::missing_modules(detail::split_words(std::string_view(line).substr(value + 1, close - value - 1)), modules);
    if (missing.empty()) return result;
    insert_before_close(line, close, value, join(missing));
    result.changes.push_back({static_cast<int>(n + 1), before, detail::display_line(line)});
  } else {                                   // MODULES= or MODULES=word: quote it, old and new mkinitcpio read that
    std::size_t end = value;
    while (end < line.size() && !detail::is_blank_char(line[end]) && line[end] != '#' && line[end] != ';') ++end;
    std::string word = line.substr(value, end - value);
    auto missing = detail::missing_modules(word.empty() ? std::vector<std::string>{} : std::vector<std::string>{word}, modules);
    if (missing.empty()) return result;
    line.replace(value, end - value, "\"" + (word.empty() ? "" : word + " ") + join(missing) + "\"");
    result.changes.push_back({static_cast<int>(n + 1), before, detail::display_line(line)});
  }
  result.content = detail::join_lines(lines);
  return result;
}

}  // namespace h2k::linux_guest
