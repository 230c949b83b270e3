// Notification -> an RFC 5322 plain-text mail (declared in payloads.hpp).
#include <cstdint>
#include <random>

#include "actors/notifier/payloads.hpp"
#include "actors/notifier/text_format.hpp"

namespace h2k {

namespace {

constexpr std::size_t kMaxLine = 998;  // RFC 5322 2.1.1, without the CRLF

// Header values come from config and file names: a CR or LF in them would
// start a new header (header injection), so they become spaces.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\r' || c == '\n') c = ' ';
  return s;
}

bool is_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

std::string base64(const std::string& in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const std::uint32_t v = (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8) | std::uint8_t(in[i + 2]);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
  }
  if (i + 1 == in.size()) {
    const std::uint32_t v = std::uint8_t(in[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const std::uint32_t v = (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// A header value as RFC 2047 encoded words when it is not plain ASCII (the
// titles carry emoji). Each word stays within 75 characters and holds whole
// UTF-8 characters; words are folded onto continuation lines.
std::string header_text(const std::string& value) {
  if (is_ascii(value)) return value;
  constexpr std::size_t kChunk = 45;  // 45 bytes -> 60 base64 chars + 12 of "=?UTF-8?B??="
  std::string out;
  for (std::size_t i = 0; i < value.size();) {
    std::size_t end = std::min(value.size(), i + kChunk);
    while (end < value.size() && end > i && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(value.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  std::string d = at == std::string::npos ? "" : address.substr(at + 1);
  while (!d.empty() && (d.back() == '>' || d.back() == ' ')) d.pop_back();
  return d.empty() ? "hyper2kvm.localdomain" : d;
}

std::string message_id(const Notification& n, const std::string& from) {
  std::random_device rd;
  const std::uint64_t r = (std::uint64_t(rd()) << 32) | rd();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld.%016llx", static_cast<long long>(n.at_ms), static_cast<unsigned long long>(r));
  return "<" + std::string(buf) + ".hyper2kvm@" + domain_of(from) + ">";
}

// Body text with every line end as CRLF and no line over kMaxLine bytes
// (cut at character boundaries). CRLF everywhere also lets the SMTP layer
// see every line start, which its dot-stuffing relies on.
std::string crlf_body(const std::string& text) {
  std::string out;
  std::string line;
  auto flush_line = [&] {
    while (line.size() > kMaxLine) {
      std::size_t cut = kMaxLine;
      while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
      out += line.substr(0, cut) + "\r\n";
      line.erase(0, cut);
    }
    out += line + "\r\n";
    line.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      flush_line();
    } else if (c == '\n') {
      flush_line();
    } else {
      line += c;
    }
  }
  if (!line.empty()) flush_line();
  return out;
}

}  // namespace

std::string email_message(const Notification& n, const NotificationSettings& s) {
  const std::string from = one_line(s.email_from);
  std::string to;
  for (const auto& addr : s.email_to) to += (to.empty() ? "" : ",\r\n ") + one_line(addr);
  const std::string prefix = one_line(s.email_subject_prefix);
  const std::string subject = (prefix.empty() ? "" : prefix + " ") + one_line(n.title);

  std::string headers;
  headers += "Date: " + notify::rfc5322_date(n.at_ms) + "\r\n";
  headers += "From: " + from + "\r\n";
  headers += "To: " + to + "\r\n";
  headers += "Subject: " + header_text(subject) + "\r\n";
  headers += "Message-ID: " + message_id(n, from) + "\r\n";
  headers += "MIME-Version: 1.0\r\n";
  headers += "Content-Type: text/plain; charset=utf-8\r\n";
  headers += "Content-Transfer-Encoding: 8bit\r\n";

  std::string body = n.title + "\n\n" + n.text + "\n";
  if (!n.fields.empty()) {
    body += "\n";
    for (const auto& [title, value] : n.fields) body += title + ": " + value + "\n";
  }
  body += "\n-- \nHyper2KVM Daemon, " + notify::iso8601_utc(n.at_ms) + "\n";
  return headers + "\r\n" + crlf_body(body);
}

}  // namespace h2k
