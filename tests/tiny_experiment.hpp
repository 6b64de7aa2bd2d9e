#pragma once
// A tiny experiment for end-to-end tests: 3 classes, 300 traces, 90 test rows,
// 6-d embeddings, two teachers; and a way to run the tracer-bench binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/rng.hpp"
#include "io/npy.hpp"

namespace tracer::testing_tiny {

namespace fs = std::filesystem;

struct Outcome {
  int exit_code;
  std::string output;  // stdout + stderr
};

/// Equal up to floating-point noise: the text around numbers must match
/// exactly, integers exactly, decimals to 1e-6 relative (a BLAS kernel on
/// another CPU may sum in another order; counts must never drift).
inline ::testing::AssertionResult same_up_to_rounding(const std::string& a, const std::string& b) {
  static const std::regex number(R"(-?\d+(\.\d+)?([eE][-+]?\d+)?)");
  auto split = [](const std::string& s, std::string& skeleton, std::vector<std::string>& nums) {
    std::size_t last = 0;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), number); it != std::sregex_iterator(); ++it) {
      skeleton += s.substr(last, it->position() - last) + "#";
      nums.push_back(it->str());
      last = it->position() + it->length();
    }
    skeleton += s.substr(last);
  };
  std::string sa, sb;
  std::vector<std::string> na, nb;
  split(a, sa, na);
  split(b, sb, nb);
  if (sa != sb || na.size() != nb.size()) return ::testing::AssertionFailure() << "text differs";
  for (std::size_t i = 0; i < na.size(); ++i) {
    if (na[i] == nb[i]) continue;
    const bool integer =
        na[i].find_first_of(".eE") == std::string::npos && nb[i].find_first_of(".eE") == std::string::npos;
    const double x = std::stod(na[i]), y = std::stod(nb[i]);
    if (integer || std::abs(x - y) > 1e-6 * std::max({std::abs(x), std::abs(y), 1e-3}))
      return ::testing::AssertionFailure() << "number " << i << ": " << na[i] << " vs " << nb[i];
  }
  return ::testing::AssertionSuccess();
}

inline Outcome run(const std::string& args) {
  const std::string cmd = std::string(TRACER_BENCH_EXE) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (pipe && fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  const int status = pipe ? pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// Writes labels.txt, train.csv, test.csv, e_train.npy, e_test.npy into dir.
inline void write_tiny_data(const fs::path& dir_) {
  // A small 3-class problem: 300 traces, 90 test rows, 6-d embeddings.
  Rng rng(5);
  const char* labels[] = {"alpha|one", "beta", "gamma"};
  std::ofstream(dir_ / "labels.txt") << "alpha|one\nbeta\ngamma\n";
  auto table = [&](const std::string& name, std::size_t n, arma::mat& X) {
    std::ofstream f(dir_ / name);
    f << "\"id\",\"text\",\"label\",\"teacher_x\"\n";
    X.set_size(n, 6);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t c = i % 3;
      for (std::size_t j = 0; j < 6; ++j) X(i, j) = (j == c ? 2.0 : 0.0) + 0.8 * rng.normal();
      const std::size_t teacher = rng.uniform() < 0.9 ? c : (c + 1) % 3;
      f << "\"" << name << "-" << i << "\",\"text " << i << ", with \"\"quotes\"\"\",\"" << labels[c] << "\",\""
        << labels[teacher] << "\"\n";
    }
  };
  arma::mat Xtr, Xte;
  table("train.csv", 300, Xtr);
  table("test.csv", 90, Xte);
  write_npy(dir_ / "e_train.npy", Xtr);
  write_npy(dir_ / "e_test.npy", Xte);
}

/// The tiny experiment's TOML (output_dir "out"); `seeds` > 1 adds replays.
inline std::string tiny_config(std::size_t seeds = 1) {
  std::string text = R"([experiment]
name = "tiny"
seed = 3
output_dir = "out"
)";
  if (seeds > 1) text += "seeds = " + std::to_string(seeds) + "\n";
  return text + R"([data]
train = "train.csv"
test = "test.csv"
labels = "labels.txt"
[[encoders]]
name = "e"
train = "e_train.npy"
test = "e_test.npy"
[[teachers]]
name = "gt"
column = "label"
[[teachers]]
name = "noisy"
column = "teacher_x"
[protocol]
days = 3
alphas = [0.8, 0.9]
split = { train = 0.55, val = 0.15, cal = 0.15, shadow = 0.15 }
[gate]
modes = ["paper", "certified"]
[zoo]
candidates = ["logreg_c1", "logreg_c10"]
[cost]
input_tokens = 800
output_tokens = 15
usd_per_million_input = 3.0
usd_per_million_output = 15.0
queries_per_day = 10000
)";
}

}  // namespace tracer::testing_tiny
