#include "actors/stats/prometheus_text.hpp"

#include <charconv>
#include <cmath>

namespace h2k {

void PrometheusText::family(const std::string& name, const std::string& type, const std::string& help) {
  std::string h;
  for (char c : help) {  // HELP escapes only backslash and newline
    if (c == '\\') h += "\\\\";
    else if (c == '\n') h += "\\n";
    else h += c;
  }
  out_ += "# HELP " + name + " " + h + "\n# TYPE " + name + " " + type + "\n";
}

void PrometheusText::sample(const std::string& name, double value, const Labels& labels) {
  sample_text(name, number(value), labels);
}

void PrometheusText::sample(const std::string& name, std::uint64_t value, const Labels& labels) {
  sample_text(name, std::to_string(value), labels);
}

void PrometheusText::sample_text(const std::string& name, const std::string& value, const Labels& labels) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i) out_ += ',';
      out_ += labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
    }
    out_ += '}';
  }
  out_ += ' ' + value + '\n';
}

std::string PrometheusText::number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

std::string PrometheusText::escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace h2k
