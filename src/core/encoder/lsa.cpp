#include "core/encoder/lsa.hpp"
#include "core/errors.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/encoder/embedding_ops.hpp"
#include "core/encoder/randomized_svd.hpp"
#include "core/rng.hpp"

namespace tracer {

namespace {

struct Utf8Char {
  char32_t code_point = 0;
  std::size_t length = 1;  ///< bytes consumed (1 for an invalid byte)
  bool valid = false;
};

/// Decodes the UTF-8 character starting at s[i]. Overlong forms, surrogates
/// and truncated sequences are invalid and consume one byte.
Utf8Char decode_utf8(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) return {lead, 1, true};
  std::size_t len;
  char32_t cp;
  if ((lead & 0xE0) == 0xC0) {
    len = 2;
    cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3;
    cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4;
    cp = lead & 0x07;
  } else {
    return {};
  }
  if (i + len > s.size()) return {};
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (b & 0x3F);
  }
  constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {};
  return {cp, len, true};
}

enum class CharClass { kWord, kApostrophe, kSeparator };

CharClass classify(const Utf8Char& c) {
  if (!c.valid) return CharClass::kSeparator;
  const char32_t cp = c.code_point;
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) return CharClass::kWord;
    return cp == '\'' ? CharClass::kApostrophe : CharClass::kSeparator;
  }
  if (cp == 0x2018 || cp == 0x2019 || cp == 0x02BC) return CharClass::kApostrophe;
  if (cp < 0xA0) return CharClass::kSeparator;  // C1 controls
  if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF) return CharClass::kSeparator;
  return CharClass::kWord;
}

double term_frequency_weight(std::size_t count, bool sublinear) {
  return sublinear ? 1.0 + std::log(static_cast<double>(count)) : static_cast<double>(count);
}

}  // namespace

void validate(const LsaOptions& o) {
  if (o.dimension == 0) throw ConfigError("LSA option dimension must be >= 1");
  if (o.ngram_max < 1 || o.ngram_max > 3)
    throw ConfigError(fmt::format("LSA option ngram_max must be 1, 2 or 3, got {}", o.ngram_max));
  if (o.min_df < 1) throw ConfigError("LSA option min_df must be >= 1");
  if (o.min_token_length < 1) throw ConfigError("LSA option min_token_length must be >= 1");
  if (o.power_iterations > 50)
    throw ConfigError(fmt::format("LSA option power_iterations must be <= 50, got {}", o.power_iterations));
}

std::vector<std::string> lsa_tokenize(std::string_view text, const LsaOptions& options) {
  std::vector<std::string> tokens;
  std::string current;
  std::size_t current_chars = 0;
  bool pending_apostrophe = false;  // an apostrophe right after `current`
  auto finish = [&] {
    if (current_chars >= options.min_token_length) tokens.push_back(current);
    current.clear();
    current_chars = 0;
    pending_apostrophe = false;
  };
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Char c = decode_utf8(text, i);
    switch (classify(c)) {
      case CharClass::kWord:
        if (c.length == 1) {
          char b = text[i];
          if (options.lowercase && b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
          current.push_back(b);
        } else {
          current.append(text.substr(i, c.length));
        }
        ++current_chars;
        pending_apostrophe = false;  // a joining apostrophe is simply dropped
        break;
      case CharClass::kApostrophe:
        if (options.join_apostrophes && !current.empty() && !pending_apostrophe) {
          pending_apostrophe = true;
          break;
        }
        [[fallthrough]];
      case CharClass::kSeparator:
        if (!current.empty()) finish();
        pending_apostrophe = false;
        break;
    }
    i += c.length;
  }
  if (!current.empty()) finish();
  return tokens;
}

std::vector<std::string> lsa_terms(std::string_view text, const LsaOptions& options) {
  std::vector<std::string> tokens = lsa_tokenize(text, options);
  const std::size_t n = tokens.size();
  std::vector<std::string> terms;
  terms.reserve(n * options.ngram_max);
  for (std::size_t len = 2; len <= options.ngram_max; ++len) {
    for (std::size_t i = 0; i + len <= n; ++i) {
      std::string gram = tokens[i];
      for (std::size_t j = i + 1; j < i + len; ++j) {
        gram.push_back(' ');
        gram += tokens[j];
      }
      terms.push_back(std::move(gram));
    }
  }
  // Unigrams first: move them in front of the n-grams.
  terms.insert(terms.begin(), std::make_move_iterator(tokens.begin()), std::make_move_iterator(tokens.end()));
  return terms;
}

LsaEncoder::LsaEncoder(LsaOptions options) : options_(options) { validate(options_); }

std::optional<arma::uword> LsaEncoder::term_id(const std::string& term) const {
  const auto it = term_ids_.find(term);
  if (it == term_ids_.end()) return std::nullopt;
  return it->second;
}

arma::mat LsaEncoder::fit_transform(const std::vector<std::string>& texts, std::uint64_t seed) {
  // Forget any previous fit first: a failed fit leaves an unfitted encoder.
  vocabulary_.clear();
  term_ids_.clear();
  idf_.reset();
  components_t_.reset();
  singular_values_.reset();
  explained_variance_ratio_.reset();
  const std::size_t n = texts.size();
  if (n == 0) throw DataError("LSA fit: no training texts");

  // Document frequency and total count of every term; last_doc makes df count
  // each text once without a per-text set.
  struct TermStats {
    std::size_t df = 0;
    std::size_t count = 0;
    std::size_t last_doc = std::numeric_limits<std::size_t>::max();
  };
  std::unordered_map<std::string, TermStats> stats;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::string& term : lsa_terms(texts[i], options_)) {
      TermStats& s = stats[std::move(term)];
      ++s.count;
      if (s.last_doc != i) {
        ++s.df;
        s.last_doc = i;
      }
    }
  }

  std::vector<std::pair<std::string, TermStats>> kept;
  kept.reserve(stats.size());
  for (auto& [term, s] : stats)
    if (s.df >= options_.min_df) kept.emplace_back(term, s);
  stats.clear();
  if (options_.max_features > 0 && kept.size() > options_.max_features) {
    const auto by_count = [](const auto& a, const auto& b) {
      return a.second.count != b.second.count ? a.second.count > b.second.count : a.first < b.first;
    };
    std::nth_element(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(options_.max_features), kept.end(),
                     by_count);
    kept.resize(options_.max_features);
  }
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  const std::size_t V = kept.size();
  if (V == 0)
    throw DataError(
        fmt::format("LSA fit: the {} training texts give an empty vocabulary (min_df = {}, min_token_length = {})", n,
                    options_.min_df, options_.min_token_length));
  if (options_.dimension > std::min(n, V))
    throw DataError(
        fmt::format("LSA fit: dimension {} needs at least that many training texts and vocabulary terms; got {} "
                    "texts and {} terms (lower the dimension)",
                    options_.dimension, n, V));

  vocabulary_.reserve(V);
  term_ids_.reserve(V);
  idf_.set_size(V);
  for (std::size_t t = 0; t < V; ++t) {
    // scikit-learn's smooth_idf: as if one extra text contained every term.
    idf_[t] = std::log((1.0 + static_cast<double>(n)) / (1.0 + static_cast<double>(kept[t].second.df))) + 1.0;
    term_ids_.emplace(kept[t].first, t);
    vocabulary_.push_back(std::move(kept[t].first));
  }

  const arma::sp_mat Xt = tfidf_columns(texts);  // V x n
  RandomizedSvdOptions svd_options;
  svd_options.rank = options_.dimension;
  svd_options.oversampling = options_.oversampling;
  svd_options.power_iterations = options_.power_iterations;
  svd_options.n_threads = options_.n_threads;
  const TruncatedSvd svd = randomized_svd(Xt.t(), svd_options, derive_seed(seed, {stream::kEncoder}));
  components_t_ = svd.V.t();
  singular_values_ = svd.s;

  arma::mat Z = project(Xt);

  // Explained variance ratio as scikit-learn: var of each score column over the
  // summed (population) variance of the tf-idf columns, from sparse sums.
  arma::vec term_sum(V, arma::fill::zeros), term_sq(V, arma::fill::zeros);
  for (auto it = Xt.begin(); it != Xt.end(); ++it) {
    const double x = *it;
    term_sum[it.row()] += x;
    term_sq[it.row()] += x * x;
  }
  const double nd = static_cast<double>(n);
  const double total_variance = arma::accu(term_sq / nd - arma::square(term_sum / nd));
  const arma::rowvec score_variance = arma::var(Z, 1, 0);
  explained_variance_ratio_ = total_variance > 0.0 ? arma::vec(score_variance.t() / total_variance)
                                                   : arma::vec(options_.dimension, arma::fill::zeros);

  l2_normalize_rows(Z);
  return Z;
}

arma::mat LsaEncoder::transform(const std::vector<std::string>& texts) const {
  if (!fitted()) throw InternalError("LsaEncoder::transform before fit");
  arma::mat Z = project(tfidf_columns(texts));
  l2_normalize_rows(Z);
  return Z;
}

arma::sp_mat LsaEncoder::tfidf(const std::vector<std::string>& texts) const {
  if (vocabulary_.empty()) throw InternalError("LsaEncoder::tfidf before fit");
  return tfidf_columns(texts).t();
}

arma::sp_mat LsaEncoder::tfidf_columns(const std::vector<std::string>& texts) const {
  const std::size_t n = texts.size();
  std::vector<arma::uword> row_indices;
  std::vector<double> values;
  arma::uvec col_ptrs(n + 1);
  col_ptrs[0] = 0;
  std::vector<arma::uword> ids;
  for (std::size_t i = 0; i < n; ++i) {
    ids.clear();
    for (const std::string& term : lsa_terms(texts[i], options_)) {
      const auto it = term_ids_.find(term);
      if (it != term_ids_.end()) ids.push_back(it->second);  // unseen terms are ignored
    }
    std::sort(ids.begin(), ids.end());  // CSC wants sorted row indices per column
    const std::size_t start = values.size();
    double sq = 0.0;
    for (std::size_t a = 0; a < ids.size();) {
      std::size_t b = a;
      while (b < ids.size() && ids[b] == ids[a]) ++b;
      const double w = term_frequency_weight(b - a, options_.sublinear_tf) * idf_[ids[a]];
      row_indices.push_back(ids[a]);
      values.push_back(w);
      sq += w * w;
      a = b;
    }
    if (sq > 0.0) {
      const double inv = 1.0 / std::sqrt(sq);
      for (std::size_t j = start; j < values.size(); ++j) values[j] *= inv;
    }
    col_ptrs[i + 1] = values.size();
  }
  // Batch CSC constructor: no per-element insertion.
  return arma::sp_mat(arma::uvec(row_indices), col_ptrs, arma::vec(values), vocabulary_.size(), n);
}

arma::mat LsaEncoder::project(const arma::sp_mat& Xt) const {
  // (k x V) * (V x n): column i sums component columns over text i's terms in
  // term order, so a text's row does not depend on the other texts.
  return dense_times_sparse(components_t_, Xt, options_.n_threads).t();
}

}  // namespace tracer
