#include "core/encoder/sif.hpp"
#include "core/errors.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace tracer {

namespace {

bool is_ascii_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_ascii_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : char(c); }

// Multi-byte characters the tokeniser treats specially (UTF-8 sequences).
// The vocabulary holds these typographic characters as one-character tokens.
constexpr std::string_view kRightQuote = "\xE2\x80\x99";  // ’ (also an apostrophe)
constexpr std::string_view kNbsp = "\xC2\xA0";            // no-break space: whitespace
constexpr std::string_view kSymbols[] = {
    "\xE2\x80\x9C",  // “
    "\xE2\x80\x9D",  // ”
    "\xE2\x80\x98",  // ‘
    kRightQuote,     // ’
    "\xE2\x80\xA6",  // …
    "\xC2\xA3",      // £
    "\xE2\x82\xAC",  // €
    "\xC2\xA5",      // ¥
};

// Length of the symbol starting at text[i], or 0.
std::size_t symbol_at(std::string_view text, std::size_t i) {
  for (std::string_view s : kSymbols)
    if (text.substr(i, s.size()) == s) return s.size();
  return 0;
}

// Length of the apostrophe (' or ’) at text[i], or 0.
std::size_t apostrophe_at(std::string_view text, std::size_t i) {
  if (i < text.size() && text[i] == '\'') return 1;
  if (text.substr(i, kRightQuote.size()) == kRightQuote) return kRightQuote.size();
  return 0;
}

// A byte that can be part of a word: ASCII letter/digit or a byte of a
// non-ASCII character that is not one of the symbols or the no-break space.
bool word_byte_at(std::string_view text, std::size_t i) {
  if (i >= text.size()) return false;
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return is_ascii_alnum(c);
  return symbol_at(text, i) == 0 && text.substr(i, kNbsp.size()) != kNbsp;
}

// The word a "<stem>n't" negation's stem stands for.
std::string negation_stem(const std::string& stem) {
  if (stem == "ca") return "can";
  if (stem == "wo") return "will";
  if (stem == "sha") return "shall";
  return stem;
}

}  // namespace

std::vector<std::string> sif_tokenize(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (is_ascii_space(c)) {
      ++i;
      continue;
    }
    if (text.substr(i, kNbsp.size()) == kNbsp) {
      i += kNbsp.size();
      continue;
    }
    if (!word_byte_at(text, i)) {
      // Punctuation or a typographic symbol: a token of its own.
      const std::size_t len = c < 0x80 ? 1 : std::max<std::size_t>(1, symbol_at(text, i));
      out.emplace_back(text.substr(i, len));
      i += len;
      continue;
    }
    std::string word;
    while (i < n) {
      const auto b = static_cast<unsigned char>(text[i]);
      if (word_byte_at(text, i)) {
        word += lower(b);
        ++i;
        continue;
      }
      // Inner hyphen ("top-up") or digit grouping ("1,000", "3.50").
      if (b == '-' && word_byte_at(text, i + 1)) {
        word += '-';
        ++i;
        continue;
      }
      if ((b == '.' || b == ',') && !word.empty() && is_digit(static_cast<unsigned char>(word.back())) && i + 1 < n &&
          is_digit(static_cast<unsigned char>(text[i + 1]))) {
        word += char(b);
        ++i;
        continue;
      }
      // An apostrophe followed by a letter: a clitic ("don't", "i'm") or an
      // inner apostrophe ("o'clock").
      if (const std::size_t alen = apostrophe_at(text, i);
          alen > 0 && i + alen < n && is_letter(static_cast<unsigned char>(text[i + alen]))) {
        std::size_t j = i + alen;
        std::string suffix;
        while (j < n && is_letter(static_cast<unsigned char>(text[j])))
          suffix += lower(static_cast<unsigned char>(text[j++]));
        if (suffix == "t" && word.size() > 1 && word.back() == 'n') {
          word.pop_back();
          out.push_back(negation_stem(word));
          out.emplace_back("not");
        } else if (suffix == "m" || suffix == "re" || suffix == "ve" || suffix == "ll" || suffix == "d" ||
                   suffix == "s") {
          out.push_back(std::move(word));
          if (suffix == "m")
            out.emplace_back("am");
          else if (suffix == "re")
            out.emplace_back("are");
          else if (suffix == "ve")
            out.emplace_back("have");
          else if (suffix == "ll")
            out.emplace_back("will");
          else if (suffix == "d")
            out.emplace_back("would");
          else
            out.emplace_back("'s");
        } else {
          // Not a clitic: join without the apostrophe, the way this
          // vocabulary spells such words ("oclock", "dont").
          word += suffix;
          out.push_back(std::move(word));
        }
        word.clear();
        i = j;
        break;
      }
      break;
    }
    if (!word.empty()) out.push_back(std::move(word));
  }
  return out;
}

SifTokens sif_lookup(std::string_view text, const WordIndex& vocab) {
  SifTokens t;
  for (const std::string& tok : sif_tokenize(text)) {
    if (auto it = vocab.find(tok); it != vocab.end()) {
      ++t.n_tokens;
      t.ids.push_back(it->second);
      continue;
    }
    if (tok.size() > 1 && tok.find('-') != std::string::npos) {
      // Back off to the parts of an unknown compound.
      std::size_t start = 0;
      while (start <= tok.size()) {
        const std::size_t end = std::min(tok.find('-', start), tok.size());
        if (end > start) {
          ++t.n_tokens;
          if (auto p = vocab.find(tok.substr(start, end - start)); p != vocab.end())
            t.ids.push_back(p->second);
          else
            ++t.n_oov;
        }
        start = end + 1;
      }
      continue;
    }
    ++t.n_tokens;
    ++t.n_oov;
  }
  return t;
}

arma::vec sif_zipf_probabilities(arma::uword vocab_size) {
  if (vocab_size == 0) throw InternalError("sif_zipf_probabilities: empty vocabulary");
  arma::vec p(vocab_size);
  for (arma::uword r = 0; r < vocab_size; ++r) p[r] = 1.0 / double(r + 1);
  // Sum from the smallest terms up for accuracy.
  double h = 0.0;
  for (arma::uword r = vocab_size; r-- > 0;) h += p[r];
  return p / h;
}

arma::vec sif_count_probabilities(const std::vector<SifTokens>& texts, arma::uword vocab_size) {
  if (vocab_size == 0) throw InternalError("sif_count_probabilities: empty vocabulary");
  arma::vec counts(vocab_size, arma::fill::ones);  // add-one smoothing
  double total = double(vocab_size);
  for (const SifTokens& t : texts) {
    for (arma::uword id : t.ids) {
      if (id >= vocab_size)
        throw InternalError(fmt::format("sif_count_probabilities: token id {} >= vocabulary size {}", id, vocab_size));
      counts[id] += 1.0;
    }
    total += double(t.ids.size());
  }
  return counts / total;
}

arma::vec sif_weights(const arma::vec& word_prob, double a) {
  if (!(a > 0.0) || !std::isfinite(a)) throw InternalError(fmt::format("SIF: a must be > 0, got {}", a));
  return a / (a + word_prob);
}

arma::mat sif_average(const std::vector<SifTokens>& texts, const arma::mat& table, const arma::vec& weights) {
  if (weights.n_elem != table.n_rows)
    throw InternalError(fmt::format("SIF: {} weights for a table of {} words", weights.n_elem, table.n_rows));
  arma::mat out(texts.size(), table.n_cols, arma::fill::zeros);
  arma::rowvec acc(table.n_cols);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto& ids = texts[i].ids;
    if (ids.empty()) continue;  // no in-vocabulary word: stays the zero vector
    acc.zeros();
    for (arma::uword id : ids) {
      if (id >= table.n_rows) throw InternalError(fmt::format("SIF: token id {} >= table size {}", id, table.n_rows));
      acc += weights[id] * table.row(id);
    }
    out.row(i) = acc / double(ids.size());
  }
  return out;
}

arma::mat sif_top_components(const arma::mat& X, arma::uword k) {
  if (k == 0) return arma::mat(0, X.n_cols);
  if (k > X.n_cols) throw InternalError(fmt::format("SIF: {} components of {}-d vectors", k, X.n_cols));
  if (!X.is_finite()) throw DataError("SIF: non-finite sentence vectors");
  // Right singular vectors of X are the eigenvectors of the d x d Gram
  // matrix X^T X; eig_sym on it is cheap (d = 100s) and deterministic.
  const arma::mat gram = X.t() * X;
  arma::vec eigval;
  arma::mat eigvec;
  if (!arma::eig_sym(eigval, eigvec, gram)) throw InternalError("SIF: eigendecomposition failed");
  arma::mat U(k, X.n_cols);
  for (arma::uword j = 0; j < k; ++j) {
    const arma::uword col = X.n_cols - 1 - j;  // eig_sym sorts ascending
    if (!(eigval[col] > 0.0))
      throw DataError(
          fmt::format("SIF: cannot fit {} component(s): the training vectors span fewer dimensions "
                      "(no training text with an in-vocabulary word?)",
                      k));
    arma::rowvec u = eigvec.col(col).t();
    // Fix the sign (largest |entry| positive) so stored components are reproducible.
    if (u[arma::abs(u).index_max()] < 0.0) u = -u;
    U.row(j) = u;
  }
  return U;
}

arma::mat sif_remove_components(const arma::mat& X, const arma::mat& U) {
  if (U.n_rows == 0) return X;
  if (U.n_cols != X.n_cols)
    throw InternalError(fmt::format("SIF: components are {}-d, vectors {}-d", U.n_cols, X.n_cols));
  return X - (X * U.t()) * U;
}

SifFrequency parse_sif_frequency(const std::string& name) {
  if (name == "zipf") return SifFrequency::kZipf;
  if (name == "train") return SifFrequency::kTrain;
  throw ConfigError(fmt::format("unknown SIF word-frequency source '{}' (use zipf or train)", name));
}

std::string to_string(SifFrequency f) { return f == SifFrequency::kZipf ? "zipf" : "train"; }

SifEncoder::SifEncoder(const arma::mat& table, const WordIndex& vocab, SifOptions options)
    : table_(table), vocab_(vocab), options_(options) {
  if (table_.n_rows == 0 || table_.n_cols == 0) throw DataError("SIF: empty word-vector table");
  if (vocab_.size() != table_.n_rows)
    throw DataError(fmt::format("SIF: index has {} words, table {} rows", vocab_.size(), table_.n_rows));
  if (!(options_.a > 0.0)) throw ConfigError(fmt::format("SIF: a must be > 0, got {}", options_.a));
  if (options_.n_components > table_.n_cols)
    throw ConfigError(
        fmt::format("SIF: cannot remove {} components of {}-d vectors", options_.n_components, table_.n_cols));
}

std::vector<SifTokens> SifEncoder::lookup_all(const std::vector<std::string>& texts, SifStats* stats) const {
  std::vector<SifTokens> out;
  out.reserve(texts.size());
  for (const std::string& s : texts) out.push_back(sif_lookup(s, vocab_));
  if (stats) {
    for (const SifTokens& t : out) {
      ++stats->n_texts;
      stats->n_tokens += t.n_tokens;
      stats->n_oov += t.n_oov;
      if (t.ids.empty()) ++stats->n_empty;
    }
  }
  return out;
}

void SifEncoder::fit(const std::vector<std::string>& train_texts, SifStats* stats) {
  (void)fit_transform(train_texts, stats);
}

arma::mat SifEncoder::fit_transform(const std::vector<std::string>& train_texts, SifStats* stats) {
  if (train_texts.empty()) throw DataError("SIF: no training texts");
  const std::vector<SifTokens> tokens = lookup_all(train_texts, stats);
  const arma::vec p = options_.frequency == SifFrequency::kZipf ? sif_zipf_probabilities(table_.n_rows)
                                                                : sif_count_probabilities(tokens, table_.n_rows);
  weights_ = sif_weights(p, options_.a);
  const arma::mat avg = sif_average(tokens, table_, weights_);
  components_ = sif_top_components(avg, options_.n_components);
  fitted_ = true;
  return sif_remove_components(avg, components_);
}

arma::mat SifEncoder::transform(const std::vector<std::string>& texts, SifStats* stats) const {
  if (!fitted_) throw InternalError("SIF: transform() before fit()");
  const std::vector<SifTokens> tokens = lookup_all(texts, stats);
  return sif_remove_components(sif_average(tokens, table_, weights_), components_);
}

}  // namespace tracer
