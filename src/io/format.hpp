#pragma once
// The one place numbers and text are formatted for output: locale-free (fmt),
// round-trippable where full precision is promised.
#include <string>

namespace tracer {

/// Shortest round-trip decimal form of x, locale-free ("0.1", "1e-05").
std::string num(double x);
/// 0.8432 -> "84.3%".
std::string pct(double x);
/// 0.0123 -> "+1.2 pts".
std::string pct_pts(double x);
/// Three decimals: teacher agreements in tables.
std::string ta3(double x);
/// Dollars with cents / whole dollars.
std::string usd(double x);
std::string usd0(double x);
std::string yes_no(bool v);  ///< "true" / "false" (CSV booleans)

/// Escapes text for a Markdown table cell: pipes, backslashes, newlines, HTML.
std::string md_cell(const std::string& text);

/// At most `max_code_points` code points of text (never cutting a UTF-8
/// sequence), "..." appended when cut, then escaped for a Markdown cell.
std::string md_preview(const std::string& text, std::size_t max_code_points);

/// One CSV field: as is when it needs no quoting, else quoted by libcsv
/// (RFC 4180: double quotes, embedded quotes doubled).
std::string csv_field(const std::string& text);

/// A name made safe for a file name: [A-Za-z0-9.-] kept, anything else '_'.
std::string file_token(const std::string& name);

}  // namespace tracer
