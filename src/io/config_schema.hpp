#pragma once
// The experiment configuration, declared once: one table of keys (section,
// name, type, default, allowed values, one line of documentation, and how the
// value reaches ExperimentConfig and comes back). Loading and validation
// (config.cpp), the resolved dump (config_to_toml) and the Markdown reference
// (docs/config.md) are all generated from it; nothing else spells a key.
//
// Rules that tie several keys together (split fractions sum to 1, the
// baseline's parameters, ...) are checked in config.cpp and documented with
// their section here (SectionInfo::rules).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "io/config.hpp"

namespace tracer::config_schema {

enum class Type {
  kString,       ///< a string
  kBool,         ///< true / false
  kInteger,      ///< a TOML integer (5.0 is rejected)
  kNumber,       ///< an integer or a float
  kPath,         ///< a string, resolved against the config file's folder
  kFile,         ///< a kPath that must name an existing file
  kFiles,        ///< one existing file, or an array of them
  kStrings,      ///< an array of strings
  kIntegers,     ///< an array of integers
  kNumbers,      ///< an array of numbers
  kModelParams,  ///< sub-tables of numbers, one per candidate: [zoo.params.<candidate>]
};

/// Hyper-parameter overrides by candidate name ([zoo.params.<candidate>]).
using ParamTables = std::map<std::string, ModelParams>;

/// A key's value between TOML and the struct. std::monostate = absent.
using Value = std::variant<std::monostate, bool, std::int64_t, double, std::string, std::filesystem::path,
                           std::vector<std::string>, std::vector<std::int64_t>, std::vector<double>,
                           std::vector<std::filesystem::path>, ParamTables>;

/// When config_to_toml writes a key.
enum class Dump {
  kAlways,
  kUnlessDefault,  ///< keys added after results were committed: written only when set, so older manifests stay
                   ///< byte-identical
  kNever,          ///< folded into another key (zoo.trees is resolved into zoo.candidates)
};

struct Key {
  std::string section;  ///< "experiment", "protocol.split", or an array of tables: "encoders"
  std::string name;
  Type type;
  /// The default; std::monostate = required (unless compute_default is set).
  Value def{};
  /// A default that depends on keys read before this one (table order).
  Value (*compute_default)(const ExperimentConfig&) = nullptr;
  std::string default_doc{};           ///< how docs/config.md shows the default when the value alone does not say it
  double lo = 0.0, hi = 0.0;           ///< kInteger / kNumber (each element for lists): allowed range, inclusive
  std::vector<std::string> choices{};  ///< kString / kStrings: allowed values (empty = any)
  bool unique = false;                 ///< lists: an entry may appear once only
  bool non_empty = false;              ///< lists and strings: must not be empty
  /// Further check on a value that passed type and range, and what it expects.
  bool (*check)(const Value&) = nullptr;
  std::string check_doc{};
  std::string doc{};
  Dump dump = Dump::kAlways;
  /// Stores a validated value (`index`: element of an array-of-tables section).
  void (*set)(ExperimentConfig&, std::size_t index, Value&& v) = nullptr;
  /// Reads the value back for config_to_toml (same index).
  Value (*get)(const ExperimentConfig&, std::size_t index) = nullptr;

  bool required() const { return std::holds_alternative<std::monostate>(def) && !compute_default; }
};

struct SectionInfo {
  std::string name;              ///< "experiment", "protocol.split", "encoders"
  bool array_of_tables = false;  ///< [[encoders]]: one table per entry, at least one entry
  std::string doc;
  std::vector<std::string> rules{};  ///< cross-key rules checked in config.cpp, for the reference
  /// Array of tables only: how many entries the config holds / make room for n.
  std::size_t (*count)(const ExperimentConfig&) = nullptr;
  void (*resize)(ExperimentConfig&, std::size_t n) = nullptr;
};

/// Every section, in load and documentation order.
const std::vector<SectionInfo>& sections();
/// Every key, in load order (a key may use keys listed before it).
const std::vector<Key>& keys();

/// What a value of this key must look like, e.g. "a number in [0.5, 0.9999]".
std::string expected(const Key& key);
/// A default as the reference shows it (TOML syntax), or "required".
std::string default_text(const Key& key);
/// Number formatting shared by messages and docs (integral values without ".0").
std::string number_text(double v);

}  // namespace tracer::config_schema
