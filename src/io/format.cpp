#include "io/format.hpp"

#include <csv.h>
#include <fmt/format.h>

#include "core/errors.hpp"

namespace tracer {

std::string num(double x) { return fmt::format("{}", x); }
std::string pct(double x) { return fmt::format("{:.1f}%", 100.0 * x); }
std::string pct_pts(double x) { return fmt::format("{:+.1f} pts", 100.0 * x); }
std::string ta3(double x) { return fmt::format("{:.3f}", x); }
std::string usd(double x) { return fmt::format("${:.2f}", x); }
std::string usd0(double x) { return fmt::format("${:.0f}", x); }
std::string yes_no(bool v) { return v ? "true" : "false"; }

std::string md_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '|':
        out += "\\|";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "<br>";
        break;
      case '\r':
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '`':
        out += "\\`";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string md_preview(const std::string& text, std::size_t max_code_points) {
  std::size_t cps = 0, i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (cps == max_code_points) break;
      ++cps;
    }
  }
  return md_cell(i < text.size() ? text.substr(0, i) + "..." : text);
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  // Worst case: every byte a quote (doubled) plus the two enclosing quotes.
  std::string out(2 * text.size() + 2, '\0');
  const std::size_t n = csv_write(out.data(), out.size(), text.data(), text.size());
  TRACER_CHECK(n <= out.size(), "csv_write needs more room than the worst case");
  out.resize(n);
  return out;
}

std::string file_token(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    out += ok ? c : '_';
  }
  return out.empty() ? "_" : out;
}

}  // namespace tracer
