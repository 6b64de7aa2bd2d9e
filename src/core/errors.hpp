#pragma once
// The two tiers of errors, and nothing else.
//
//   tier            type                      exit  meaning
//   user error      UserError and subclasses  2     the input is wrong: config, data, arguments.
//                                                   The message names the file, the row/line, the
//                                                   key/column and what was expected.
//   internal error  InternalError, any other  1     a bug, or the system failed (disk full, out of
//                   std::exception                  memory). Never reported as bad input, never
//                                                   swallowed.
//
// A model that cannot be trained for a data reason (one class, empty set)
// throws TrainingError; the replay records only that as a skipped candidate.
// Everything else a fit throws propagates.
#include <stdexcept>
#include <string>

namespace tracer {

/// Tier 1: something the user gave us is wrong. Exit code 2.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A configuration problem (TOML key, value, command-line option). The
/// message names the file, the key and the expected value.
class ConfigError : public UserError {
 public:
  using UserError::UserError;
};

/// A data file is malformed or inconsistent with another. The message names
/// the file, the row or line, the column and what was expected.
class DataError : public UserError {
 public:
  using UserError::UserError;
};

/// A model name or hyper-parameter is unknown, or a value is out of range
/// (ParamTable, core/model_params.hpp). Thrown by the core, which knows no
/// files; the config loader adds the file and key.
class ParameterError : public UserError {
 public:
  using UserError::UserError;
};

/// A model cannot be trained on the data given (empty set, a single class,
/// non-finite features). The replay records it as a skipped candidate.
class TrainingError : public UserError {
 public:
  using UserError::UserError;
};

/// Tier 2: a broken invariant, i.e. a bug in tracer-bench. Exit code 1.
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Throws InternalError with the location when an invariant does not hold.
/// Used for conditions the caller guarantees (sizes, ranges of internal
/// indices): failing one is a bug, never bad input.
#define TRACER_CHECK(cond, what)                                                                             \
  do {                                                                                                       \
    if (!(cond))                                                                                             \
      throw ::tracer::InternalError(std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " + (what) + \
                                    " (check failed: " #cond ")");                                           \
  } while (0)

}  // namespace tracer
