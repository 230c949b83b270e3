#pragma once
// Writing the Prometheus text exposition format 0.0.4: every metric family
// gets its # HELP and # TYPE lines once, then its samples.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace h2k {

class PrometheusText {
public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // Starts a family; `type` is counter, gauge or histogram.
  void family(const std::string& name, const std::string& type, const std::string& help);
  void sample(const std::string& name, double value, const Labels& labels = {});
  void sample(const std::string& name, std::uint64_t value, const Labels& labels = {});

  const std::string& text() const { return out_; }

  // Shortest text that reads back as the same double; integers without a
  // fraction; "+Inf", "-Inf", "NaN" as the format spells them.
  static std::string number(double v);
  // A label value with \, " and newline escaped.
  static std::string escape_label(const std::string& v);

private:
  void sample_text(const std::string& name, const std::string& value, const Labels& labels);
  std::string out_;
};

}  // namespace h2k
