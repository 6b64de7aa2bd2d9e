#pragma once
// One hyper-parameter reader for every surrogate, driven by a per-model table.
//
// A model declares its keys once, as a ParamTable over its Params struct:
//
//   static const ParamTable<Params>& param_table() {
//     static const ParamTable<Params> t({
//         param("max_iter", &Params::max_iter, 1, 100000, "maximum number of epochs"),
//         param_above("C", &Params::C, 0.0, "inverse L2 strength (scikit-learn's C)"),
//     });
//     return t;
//   }
//
// ParamTable::read() applies the config's overrides (ModelParams) to the
// registry defaults: unknown keys, non-finite values, non-integers for integer
// keys, values other than 0/1 for boolean keys and values out of range throw
// ParameterError naming the model, the key, the value and the expected range.
// ParamTable::describe() lists the keys with their defaults, so the docs and
// `parameter_tables()` (zoo.hpp) enumerate every model's hyper-parameters.
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/errors.hpp"

namespace tracer {

/// Hyper-parameter overrides from the config: name -> numeric value.
using ModelParams = std::map<std::string, double>;

enum class ParamKind { kInt, kReal, kBool };
std::string param_kind_name(ParamKind kind);  // "int", "real", "bool"

/// The accepted values of one key.
struct ParamRange {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;  ///< (min, max] instead of [min, max]
  /// Optional extra domain rule (e.g. trees' max_features); with it,
  /// `expected` describes the accepted values.
  std::function<bool(double)> accepts;
  std::string expected;

  /// Whether v is accepted for a key of this kind (finite, integer for kInt,
  /// 0/1 for kBool, in range, and `accepts`).
  bool admits(ParamKind kind, double v) const;
  /// "an integer in [1, 100000]", "> 0", "in [0, 1]", "0 or 1", or `expected`.
  std::string describe(ParamKind kind) const;
};

/// One documented key, as enumerated for the docs.
struct ParamInfo {
  std::string key;
  ParamKind kind = ParamKind::kReal;
  double default_value = 0.0;
  ParamRange range;
  std::string doc;  ///< one line
};

/// One key of a model's Params struct P.
template <typename P>
struct ParamField {
  std::string key;
  ParamKind kind = ParamKind::kReal;
  ParamRange range;
  std::string doc;
  std::function<double(const P&)> get;
  std::function<void(P&, double)> set;
  /// Null: the key always exists. Else whether it exists for these defaults
  /// (e.g. `hidden2` only for a two-layer MLP, `n_estimators` only for forests).
  std::function<bool(const P&)> exists;
};

namespace detail {
template <typename T>
constexpr ParamKind kind_of() {
  if constexpr (std::is_same_v<T, bool>)
    return ParamKind::kBool;
  else if constexpr (std::is_integral_v<T>)
    return ParamKind::kInt;
  else
    return ParamKind::kReal;
}

/// Throws ParameterError "<model>: parameter <key> must be <expected>, got <v>".
[[noreturn]] void throw_bad_value(const std::string& model, const std::string& key, const std::string& expected,
                                  double v);
/// Throws ParameterError "unknown parameter '<key>' for model '<model>' (known: ...)".
[[noreturn]] void throw_unknown_key(const std::string& model, const std::string& key,
                                    const std::vector<std::string>& known);
}  // namespace detail

/// A field bound to a data member, range [min, max] (bool: min/max ignored).
template <typename P, typename T>
ParamField<P> param(std::string key, T P::*member, double min, double max, std::string doc) {
  ParamField<P> f;
  f.key = std::move(key);
  f.kind = detail::kind_of<T>();
  f.range.min = f.kind == ParamKind::kBool ? 0.0 : min;
  f.range.max = f.kind == ParamKind::kBool ? 1.0 : max;
  f.doc = std::move(doc);
  f.get = [member](const P& p) { return static_cast<double>(p.*member); };
  if constexpr (std::is_same_v<T, bool>)
    f.set = [member](P& p, double v) { p.*member = v != 0.0; };
  else
    f.set = [member](P& p, double v) { p.*member = static_cast<T>(v); };
  return f;
}

/// A boolean field (stored as 0 / 1 in ModelParams).
template <typename P>
ParamField<P> param(std::string key, bool P::*member, std::string doc) {
  return param(std::move(key), member, 0.0, 1.0, std::move(doc));
}

/// A real field in (min, +inf).
template <typename P, typename T>
ParamField<P> param_above(std::string key, T P::*member, double min, std::string doc) {
  ParamField<P> f = param(std::move(key), member, min, std::numeric_limits<double>::infinity(), std::move(doc));
  f.range.min_exclusive = true;
  return f;
}

/// A model's hyper-parameter table; see the top of this file.
template <typename P>
class ParamTable {
 public:
  explicit ParamTable(std::vector<ParamField<P>> fields) : fields_(std::move(fields)) {}

  /// `defaults` with `overrides` applied. Throws ParameterError for an unknown
  /// key (first, listing the known ones) or a bad value (in table order).
  P read(const std::string& model, const ModelParams& overrides, P defaults) const {
    std::vector<std::string> known;
    for (const auto& f : fields_)
      if (!f.exists || f.exists(defaults)) known.push_back(f.key);
    for (const auto& [key, value] : overrides) {
      bool found = false;
      for (const auto& k : known) found = found || k == key;
      if (!found) detail::throw_unknown_key(model, key, known);
    }
    const P base = defaults;
    for (const auto& f : fields_) {
      if (f.exists && !f.exists(base)) continue;
      const auto it = overrides.find(f.key);
      if (it == overrides.end()) continue;
      if (!f.range.admits(f.kind, it->second))
        detail::throw_bad_value(model, f.key, f.range.describe(f.kind), it->second);
      f.set(defaults, it->second);
    }
    return defaults;
  }

  /// The keys that exist for `defaults`, in table order, with their defaults.
  std::vector<ParamInfo> describe(const P& defaults) const {
    std::vector<ParamInfo> out;
    for (const auto& f : fields_)
      if (!f.exists || f.exists(defaults)) out.push_back({f.key, f.kind, f.get(defaults), f.range, f.doc});
    return out;
  }

 private:
  std::vector<ParamField<P>> fields_;
};

}  // namespace tracer
