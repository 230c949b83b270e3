#include "engine/guest/linux/grub_menu.hpp"

#include <sstream>

#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// The first word of a line and the rest, e.g. ("linux", "/vmlinuz-x root=...").
std::pair<std::string, std::string> command_of(std::string_view line) {
  line = detail::trim(line);
  std::size_t i = 0;
  while (i < line.size() && !detail::is_blank_char(line[i])) ++i;
  return {std::string(line.substr(0, i)), std::string(detail::trim(line.substr(i)))};
}

std::string first_word(const std::string& s) {
  auto words = detail::split_words(s);
  return words.empty() ? std::string() : words.front();
}

std::string after_first_word(const std::string& s) {
  std::string_view v = detail::trim(s);
  std::size_t i = 0;
  while (i < v.size() && !detail::is_blank_char(v[i])) ++i;
  return std::string(detail::trim(v.substr(i)));
}

// menuentry 'Debian GNU/Linux' --class debian ... {
std::string menu_title(const std::string& args) {
  if (args.empty()) return {};
  char q = args[0];
  if (q == '\'' || q == '"') {
    auto end = args.find(q, 1);
    return args.substr(1, end == std::string::npos ? std::string::npos : end - 1);
  }
  return first_word(args);
}

}  // namespace

std::vector<BootEntry> parse_grub_menu(const std::string& cfg) {
  std::vector<BootEntry> entries;
  bool in_entry = false;
  for (const auto& l : detail::split_lines(cfg)) {
    if (detail::is_comment_or_blank(l.text)) continue;
    auto [cmd, args] = command_of(l.text);
    if (cmd == "menuentry") {
      entries.push_back({menu_title(args), {}, {}, {}});
      in_entry = true;
    } else if (in_entry && (cmd == "linux" || cmd == "linuxefi" || cmd == "linux16")) {
      entries.back().kernel = first_word(args);
      entries.back().cmdline = after_first_word(args);
    } else if (in_entry && (cmd == "initrd" || cmd == "initrdefi" || cmd == "initrd16")) {
      entries.back().initrds = detail::split_words(args);
    } else if (cmd == "}") {
      in_entry = false;
    }
  }
  return entries;
}

BootEntry parse_bls_entry(const std::string& text) {
  BootEntry e;
  for (const auto& l : detail::split_lines(text)) {
    if (detail::is_comment_or_blank(l.text)) continue;
    auto [key, value] = command_of(l.text);
    if (key == "title") e.title = value;
    else if (key == "linux") e.kernel = value;
    else if (key == "initrd") e.initrds.push_back(value);
    else if (key == "options") e.cmdline += (e.cmdline.empty() ? "" : " ") + value;
  }
  return e;
}

std::vector<std::string> kernel_params(const std::string& cmdline, const std::string& key) {
  std::vector<std::string> out;
  for (auto& w : detail::split_words(cmdline)) {
    if (!starts_with(w, key + "=")) continue;
    out.push_back(std::string(detail::unquote(std::string_view(w).substr(key.size() + 1))));
  }
  return out;
}

std::vector<std::string> guest_path_candidates(const std::string& loader_path) {
  std::string p = loader_path;
  if (starts_with(p, "(")) {   // ($root)/x, (hd0,msdos1)/x
    auto close = p.find(')');
    p = close == std::string::npos ? p : p.substr(close + 1);
  }
  if (p.empty() || p[0] != '/') p = "/" + p;
  std::vector<std::string> out = {p};
  if (!starts_with(p, "/boot/")) out.push_back("/boot" + p);
  // btrfs: grub names files inside the root's subvolume as /@/boot/...
  auto second = p.find('/', 1);
  if (second != std::string::npos) {
    std::string stripped = p.substr(second);
    out.push_back(stripped);
    if (!starts_with(stripped, "/boot/")) out.push_back("/boot" + stripped);
  }
  return out;
}

}  // namespace h2k::linux_guest
