#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "core/encoder/embedding_ops.hpp"
#include "core/errors.hpp"
#include "core/encoder/lsa.hpp"
#include "core/encoder/randomized_svd.hpp"
#include "io/atomic_file.hpp"
#include "app/embed_command.hpp"
#include "io/npy.hpp"

namespace tracer {
namespace {

namespace fs = std::filesystem;
using Strings = std::vector<std::string>;

bool same_bits(const arma::mat& a, const arma::mat& b) {
  return a.n_rows == b.n_rows && a.n_cols == b.n_cols &&
         std::memcmp(a.memptr(), b.memptr(), a.n_elem * sizeof(double)) == 0;
}

LsaOptions small_options(std::size_t dimension) {
  LsaOptions o;
  o.dimension = dimension;
  o.min_df = 1;  // tiny corpora: keep every term
  o.n_threads = 1;
  return o;
}

const Strings& corpus() {
  static const Strings texts = {
      "I am still waiting on my card?",
      "What can I do if my card still hasn't arrived after 2 weeks?",
      "I have been waiting over a week. Is the card still coming?",
      "Can I track my card while it is in the process of delivery?",
      "How do I know if I will get my card, or if it is lost?",
      "When did you send me my new card?",
      "Do you have info about the card on delivery?",
      "What do I do if I still have not received my new card?",
      "Does the package with my card have tracking?",
      "I ordered my card but it still isn't here",
      "Why has my card not been delivered to me yet?",
      "Where is my top up? It didn't go through.",
      "My top-up was declined, why?",
      "How long does a transfer take to arrive?",
      "I want to change my PIN",
      "Can I change my PIN at an ATM?",
      "The ATM took my card",
      "I was charged twice for the same payment",
      "Why is there an extra fee on my statement?",
      "Which currencies can I hold? Is \xC2\xA3 or \xE2\x82\xAC supported?",
  };
  return texts;
}

// --- tokeniser ----------------------------------------------------------

TEST(LsaTokenize, LowercasesJoinsApostrophesKeepsUnicodeWords) {
  const LsaOptions o;
  EXPECT_EQ(lsa_tokenize("Didn't my CARD's \xC2\xA3"
                         "100 arrive?!",
                         o),
            (Strings{"didnt", "my", "cards",
                     "\xC2\xA3"
                     "100",
                     "arrive"}));
  // U+2019 is an apostrophe; quotes around a word are separators.
  EXPECT_EQ(lsa_tokenize("I can\xE2\x80\x99t 'see' it", o), (Strings{"i", "cant", "see", "it"}));
  // General punctuation (U+2026 ellipsis), no-break space and ASCII punctuation separate.
  EXPECT_EQ(lsa_tokenize("top-up\xE2\x80\xA6 now\xC2\xA0please", o), (Strings{"top", "up", "now", "please"}));
  // Invalid UTF-8 bytes separate and never end up in a token.
  EXPECT_EQ(lsa_tokenize("ab\xFF"
                         "cd \xC3",
                         o),
            (Strings{"ab", "cd"}));
  EXPECT_TRUE(lsa_tokenize("  ?! ''", o).empty());
}

TEST(LsaTokenize, OptionsChangeTheRules) {
  LsaOptions o;
  o.join_apostrophes = false;
  o.min_token_length = 2;  // roughly scikit-learn's default token pattern
  EXPECT_EQ(lsa_tokenize("I didn't get a card", o), (Strings{"didn", "get", "card"}));
  o = LsaOptions{};
  o.lowercase = false;
  EXPECT_EQ(lsa_tokenize("My PIN", o), (Strings{"My", "PIN"}));
  o = LsaOptions{};
  o.min_token_length = 2;  // counted in characters: "£" is one character
  EXPECT_EQ(lsa_tokenize("\xC2\xA3 \xC2\xA3\xC2\xA3 a", o), (Strings{"\xC2\xA3\xC2\xA3"}));
}

TEST(LsaTerms, UnigramsThenBigrams) {
  LsaOptions o;
  EXPECT_EQ(lsa_terms("My card, still!", o), (Strings{"my", "card", "still", "my card", "card still"}));
  o.ngram_max = 1;
  EXPECT_EQ(lsa_terms("My card", o), (Strings{"my", "card"}));
  o.ngram_max = 3;
  EXPECT_EQ(lsa_terms("a b c", o), (Strings{"a", "b", "c", "a b", "b c", "a b c"}));
}

// --- vocabulary and tf-idf against hand computation --------------------

TEST(LsaEncoder, VocabularyIdfAndTfidfMatchHandComputation) {
  LsaOptions o = small_options(2);
  o.ngram_max = 1;
  const Strings texts = {"apple banana", "apple cherry", "banana banana apple"};
  LsaEncoder enc(o);
  enc.fit_transform(texts, 1);
  ASSERT_EQ(enc.vocabulary(), (Strings{"apple", "banana", "cherry"}));
  // df: apple 3, banana 2, cherry 1; n = 3; idf = ln((1 + n) / (1 + df)) + 1.
  EXPECT_NEAR(enc.idf()[0], 1.0, 1e-15);
  EXPECT_NEAR(enc.idf()[1], std::log(4.0 / 3.0) + 1.0, 1e-15);
  EXPECT_NEAR(enc.idf()[2], std::log(2.0) + 1.0, 1e-15);
  // Text 3: apple tf 1, banana tf 1 + ln 2 (sublinear), then L2 normalised.
  const arma::sp_mat X = enc.tfidf(texts);
  ASSERT_EQ(X.n_rows, 3u);
  ASSERT_EQ(X.n_cols, 3u);
  const double w_apple = 1.0, w_banana = (1.0 + std::log(2.0)) * (std::log(4.0 / 3.0) + 1.0);
  const double norm = std::hypot(w_apple, w_banana);
  EXPECT_NEAR(X(2, 0), w_apple / norm, 1e-15);
  EXPECT_NEAR(X(2, 1), w_banana / norm, 1e-15);
  EXPECT_EQ(X(2, 2), 0.0);
  // Text 2: apple and cherry.
  const double n2 = std::hypot(1.0, std::log(2.0) + 1.0);
  EXPECT_NEAR(X(1, 0), 1.0 / n2, 1e-15);
  EXPECT_NEAR(X(1, 2), (std::log(2.0) + 1.0) / n2, 1e-15);
  // Unseen words are ignored; an all-unseen text has an empty row.
  const arma::sp_mat Y = enc.tfidf({"durian cherry", "durian"});
  EXPECT_NEAR(Y(0, 2), 1.0, 1e-15);
  EXPECT_EQ(Y.row(1).n_nonzero, 0u);
}

TEST(LsaEncoder, RawTfWhenNotSublinear) {
  LsaOptions o = small_options(1);
  o.ngram_max = 1;
  o.sublinear_tf = false;
  LsaEncoder enc(o);
  enc.fit_transform({"a a b", "b"}, 1);
  const arma::sp_mat X = enc.tfidf({"a a b"});
  const double wa = 2.0 * (std::log(3.0 / 2.0) + 1.0), wb = 1.0;  // df(a) = 1, df(b) = 2
  EXPECT_NEAR(X(0, 0), wa / std::hypot(wa, wb), 1e-15);
}

TEST(LsaEncoder, MinDfAndMaxFeatures) {
  const Strings texts = {"x y z", "x y", "x w", "v"};
  LsaOptions o = small_options(1);
  o.ngram_max = 1;
  o.min_df = 2;
  LsaEncoder a(o);
  a.fit_transform(texts, 1);
  EXPECT_EQ(a.vocabulary(), (Strings{"x", "y"}));
  o.min_df = 1;
  o.max_features = 3;  // counts: x 3, y 2, then v, w, z with 1 each: byte order keeps v
  LsaEncoder b(o);
  b.fit_transform(texts, 1);
  EXPECT_EQ(b.vocabulary(), (Strings{"v", "x", "y"}));
  ASSERT_TRUE(b.term_id("y").has_value());
  EXPECT_EQ(*b.term_id("y"), 2u);
  EXPECT_FALSE(b.term_id("z").has_value());
}

TEST(LsaEncoder, BigramsEnterTheVocabulary) {
  LsaEncoder enc(small_options(1));
  enc.fit_transform({"new card", "card arrived"}, 1);
  EXPECT_EQ(enc.vocabulary(), (Strings{"arrived", "card", "card arrived", "new", "new card"}));
}

// --- embeddings -------------------------------------------------------

TEST(LsaEncoder, SameSeedSameBitsRowsUnitNorm) {
  LsaEncoder a(small_options(8)), b(small_options(8));
  const arma::mat Za = a.fit_transform(corpus(), 42);
  const arma::mat Zb = b.fit_transform(corpus(), 42);
  ASSERT_EQ(Za.n_rows, corpus().size());
  ASSERT_EQ(Za.n_cols, 8u);
  EXPECT_TRUE(same_bits(Za, Zb));
  EXPECT_TRUE(same_bits(a.components(), b.components()));
  const arma::vec norms = arma::sqrt(arma::sum(arma::square(Za), 1));
  for (arma::uword i = 0; i < norms.n_elem; ++i) EXPECT_NEAR(norms[i], 1.0, 1e-12) << "row " << i;
  // The thread count of the sparse products never changes the bits.
  LsaOptions o3 = small_options(8);
  o3.n_threads = 3;
  LsaEncoder c(o3);
  EXPECT_TRUE(same_bits(c.fit_transform(corpus(), 42), Za));
}

TEST(LsaEncoder, TransformOfTrainingTextEqualsItsFittedRow) {
  LsaEncoder enc(small_options(8));
  const arma::mat Z = enc.fit_transform(corpus(), 3);
  const arma::mat all = enc.transform(corpus());
  EXPECT_TRUE(same_bits(all, Z));
  for (const std::size_t i : {std::size_t{0}, std::size_t{5}, corpus().size() - 1}) {
    const arma::mat one = enc.transform({corpus()[i]});
    EXPECT_TRUE(same_bits(one, Z.row(i))) << "text " << i;
  }
}

TEST(LsaEncoder, UnseenTextGivesZeroRow) {
  LsaEncoder enc(small_options(4));
  enc.fit_transform(corpus(), 1);
  const arma::mat Z = enc.transform({"zzz qqq", "", "my card"});
  EXPECT_TRUE(Z.is_finite());
  EXPECT_EQ(arma::norm(Z.row(0)), 0.0);
  EXPECT_EQ(arma::norm(Z.row(1)), 0.0);
  EXPECT_NEAR(arma::norm(Z.row(2)), 1.0, 1e-12);
  EXPECT_EQ(zero_rows(Z), 2u);
}

TEST(LsaEncoder, FullRankExplainsAllVariance) {
  // With as many components as the rank, the scores keep all the variance.
  const Strings texts = {"a b", "b c", "c d", "a d e", "e f"};
  LsaOptions o = small_options(5);  // n = 5 texts, 6 unigrams + bigrams > 5
  LsaEncoder enc(o);
  enc.fit_transform(texts, 1);
  EXPECT_NEAR(arma::accu(enc.explained_variance_ratio()), 1.0, 1e-10);
  EXPECT_TRUE(arma::all(enc.explained_variance_ratio() >= -1e-15));
}

TEST(LsaEncoder, ClearErrors) {
  LsaEncoder enc(small_options(50));
  try {
    enc.fit_transform(corpus(), 1);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("dimension 50"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("20 texts"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(enc.fitted());
  EXPECT_THROW(enc.transform({"x"}), InternalError);
  EXPECT_THROW(LsaEncoder(small_options(2)).fit_transform({}, 1), DataError);
  EXPECT_THROW(LsaEncoder(small_options(1)).fit_transform({"?!", "..."}, 1), DataError);
  LsaOptions bad;
  bad.ngram_max = 4;
  EXPECT_THROW(LsaEncoder{bad}, ConfigError);
}

TEST(PairFeatures, ConcatenatesUVAbsDiffProduct) {
  const arma::mat u = {{1.0, -2.0}, {0.5, 0.0}};
  const arma::mat v = {{3.0, 1.0}, {0.5, -1.0}};
  const arma::mat f = pair_features(u, v);
  const arma::mat expected = {{1.0, -2.0, 3.0, 1.0, 2.0, 3.0, 3.0, -2.0}, {0.5, 0.0, 0.5, -1.0, 0.0, 1.0, 0.25, -0.0}};
  EXPECT_TRUE(arma::approx_equal(f, expected, "absdiff", 0.0));
  EXPECT_THROW(pair_features(u, v.cols(0, 0)), InternalError);
}

TEST(L2NormalizeRows, KeepsZeroRowsZero) {
  arma::mat X = {{3.0, 4.0}, {0.0, 0.0}};
  l2_normalize_rows(X);
  EXPECT_DOUBLE_EQ(X(0, 0), 0.6);
  EXPECT_DOUBLE_EQ(X(0, 1), 0.8);
  EXPECT_EQ(X(1, 0), 0.0);
  EXPECT_EQ(X(1, 1), 0.0);
}

// --- randomised SVD ----------------------------------------------------

arma::sp_mat random_sparse(arma::uword n, arma::uword p, double density) {
  arma::arma_rng::set_seed(11);
  arma::sp_mat S = arma::sprandu<arma::sp_mat>(n, p, density);
  S += arma::speye<arma::sp_mat>(n, p);  // full rank
  return S;
}

void expect_matches_exact_svd(const arma::sp_mat& X, arma::uword k, std::size_t oversampling,
                              std::size_t power_iterations, double tol, bool exact = true) {
  RandomizedSvdOptions o;
  o.rank = k;
  o.oversampling = oversampling;
  o.power_iterations = power_iterations;
  o.n_threads = 2;
  const TruncatedSvd r = randomized_svd(X, o, 5);
  const arma::mat D(X);
  arma::mat U, V;
  arma::vec s;
  ASSERT_TRUE(arma::svd(U, s, V, D));
  ASSERT_EQ(r.s.n_elem, k);
  for (arma::uword j = 0; j < k; ++j) EXPECT_NEAR(r.s[j], s[j], tol * s[0]) << "sigma_" << j;
  // Orthonormal factors; when the sketch spans X they reproduce X V = U S.
  EXPECT_LT(arma::abs(r.V.t() * r.V - arma::eye(k, k)).max(), 1e-10);
  EXPECT_LT(arma::abs(r.U.t() * r.U - arma::eye(k, k)).max(), 1e-10);
  if (exact) {
    EXPECT_LT(arma::abs(D * r.V - r.U * arma::diagmat(r.s)).max(), 1e-9 * s[0]);
  }
  // The exact vectors up to sign: |<v_j, v_j exact>| = 1 for distinct sigmas.
  for (arma::uword j = 0; j < k; ++j) EXPECT_NEAR(std::abs(arma::dot(r.V.col(j), V.col(j))), 1.0, tol) << "v_" << j;
  // Sign convention: the largest-|.| entry of each v_j is positive.
  for (arma::uword j = 0; j < k; ++j) EXPECT_GT(r.V(arma::abs(r.V.col(j)).eval().index_max(), j), 0.0);
}

TEST(RandomizedSvd, MatchesExactSvdWhenOversamplingCoversTheRank) {
  // Wide (n < p) and tall (n > p) inputs take the two orientations; l = min(n, p).
  expect_matches_exact_svd(random_sparse(12, 30, 0.3), 5, 10, 0, 1e-8);
  expect_matches_exact_svd(random_sparse(30, 12, 0.3), 5, 10, 0, 1e-8);
  expect_matches_exact_svd(random_sparse(12, 30, 0.3), 12, 0, 1, 1e-8);
}

TEST(RandomizedSvd, LeadingTripletsAccurateWithPowerIterations) {
  // l = 13 < rank 60: the sketch is approximate, but with a decaying spectrum
  // (0.7^j) and power iterations the leading triplets converge.
  arma::arma_rng::set_seed(4);
  arma::mat U, V, R;
  arma::qr_econ(U, R, arma::mat(60, 60, arma::fill::randn));
  arma::qr_econ(V, R, arma::mat(200, 60, arma::fill::randn));
  const arma::vec s = arma::exp(arma::regspace(0, 59) * std::log(0.7));
  const arma::sp_mat X(U * arma::diagmat(s) * V.t());
  expect_matches_exact_svd(X, 3, 10, 2, 1e-8, false);
}

TEST(RandomizedSvd, RankDeficientDirectionsAreZero) {
  // Rank 2 (two distinct rows repeated), asking for 3 components.
  arma::mat D = {{1, 2, 0, 0}, {0, 1, 3, 0}, {1, 2, 0, 0}, {0, 1, 3, 0}};
  RandomizedSvdOptions o;
  o.rank = 3;
  const TruncatedSvd r = randomized_svd(arma::sp_mat(D), o, 1);
  EXPECT_GT(r.s[1], 0.1);
  EXPECT_EQ(r.s[2], 0.0);
  EXPECT_EQ(arma::norm(r.V.col(2)), 0.0);
  EXPECT_THROW(randomized_svd(arma::sp_mat(D), RandomizedSvdOptions{5, 0, 0, 1}, 1), InternalError);
}

TEST(DenseTimesSparse, MatchesArmadilloAndIgnoresThreadCount) {
  const arma::sp_mat S = random_sparse(40, 70, 0.1);
  arma::arma_rng::set_seed(3);
  const arma::mat D(9, 40, arma::fill::randn);
  const arma::mat one = dense_times_sparse(D, S, 1);
  EXPECT_LT(arma::abs(one - D * arma::mat(S)).max(), 1e-12);
  EXPECT_TRUE(same_bits(one, dense_times_sparse(D, S, 3)));
  EXPECT_THROW(dense_times_sparse(D, S.t(), 1), InternalError);
}

// --- the embed command -------------------------------------------------

class EmbedCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / fmt::format("tracer_embed_{}_{}", ::getpid(), info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// A prepared-format table: every field quoted, "" escapes, LF records.
  fs::path table(const std::string& name, const std::vector<Strings>& rows) {
    std::string out;
    for (const Strings& row : rows) {
      for (std::size_t c = 0; c < row.size(); ++c) {
        out += c ? ",\"" : "\"";
        for (const char ch : row[c]) {
          if (ch == '"') out.push_back('"');  // "" escapes a quote
          out.push_back(ch);
        }
        out += "\"";
      }
      out += "\n";
    }
    const fs::path p = dir_ / name;
    write_file_atomic(p, out);
    return p;
  }

  fs::path dir_;
};

TEST_F(EmbedCommandTest, WritesAlignedFloat32MatricesAndManifest) {
  std::vector<Strings> train = {{"id", "text", "label", "teacher_x"}};
  for (std::size_t i = 0; i < corpus().size(); ++i)
    train.push_back({fmt::format("t-{}", i), corpus()[i], "lab", "lab"});
  train.push_back({"t-q", "He said \"card, now\"", "lab", ""});
  const fs::path tr = table("train.csv", train);
  const fs::path te =
      table("test.csv", {{"id", "text", "label"}, {"e-0", "my card never arrived", "lab"}, {"e-1", "zzz", "lab"}});
  EmbedOptions o;
  o.train_csv = tr;
  o.test_csv = te;
  o.out_dir = dir_ / "emb";
  o.name = "lsa";
  o.lsa = small_options(6);
  o.seed = 9;
  o.quiet = true;
  const EmbedReport r = run_embed(o);
  EXPECT_EQ(r.train_rows, corpus().size() + 1);
  EXPECT_EQ(r.test_rows, 2u);
  EXPECT_EQ(r.test_zero_texts, 1u);
  const arma::mat Xtr = read_npy(r.train_npy);
  const arma::mat Xte = read_npy(r.test_npy);
  EXPECT_NO_THROW(check_rows(Xtr, r.train_rows, r.train_npy, "the trace table"));
  EXPECT_EQ(Xtr.n_cols, 6u);
  EXPECT_EQ(Xte.n_rows, 2u);
  // The float32 file holds the encoder's output.
  LsaEncoder enc(o.lsa);
  Strings texts = corpus();
  texts.push_back("He said \"card, now\"");
  const arma::mat Z = enc.fit_transform(texts, 9);
  EXPECT_LT(arma::abs(Xtr - Z).max(), 1e-7);
  const std::string manifest = read_file(r.manifest);
  const std::string train_sha = sha256_file(tr);
  for (const std::string& key : {std::string("\"vocabulary_size\""), std::string("\"explained_variance_ratio\""),
                                 std::string("\"seed\": 9"), std::string("\"dimension\": 6"), train_sha})
    EXPECT_NE(manifest.find(key), std::string::npos) << key;
  // Same inputs, same seed: the same bytes.
  o.out_dir = dir_ / "again";
  const EmbedReport r2 = run_embed(o);
  EXPECT_EQ(read_file(r2.train_npy), read_file(r.train_npy));
  EXPECT_EQ(read_file(r2.test_npy), read_file(r.test_npy));
}

TEST_F(EmbedCommandTest, PairModeCombinesBothSides) {
  std::vector<Strings> train = {{"id", "text", "text_b", "label"}};
  for (std::size_t i = 0; i + 1 < corpus().size(); ++i)
    train.push_back({fmt::format("p-{}", i), corpus()[i], corpus()[i + 1], "entailment"});
  const fs::path tr = table("train.csv", train);
  const fs::path te = table("test.csv", {{"id", "text", "text_b", "label"}, {"q-0", "my card", "the ATM", "neutral"}});
  EmbedOptions o;
  o.train_csv = tr;
  o.test_csv = te;
  o.out_dir = dir_;
  o.name = "pair";
  o.lsa = small_options(4);
  o.pair = true;
  o.quiet = true;
  const EmbedReport r = run_embed(o);
  const arma::mat X = read_npy(r.train_npy);
  ASSERT_EQ(X.n_cols, 16u);
  ASSERT_EQ(X.n_rows, corpus().size() - 1);
  const arma::mat u = X.cols(0, 3), v = X.cols(4, 7);
  EXPECT_LT(arma::abs(X.cols(8, 11) - arma::abs(u - v)).max(), 1e-6);
  EXPECT_LT(arma::abs(X.cols(12, 15) - u % v).max(), 1e-6);
  // The hypothesis of pair i is the premise of pair i + 1.
  EXPECT_LT(arma::abs(v.row(0) - u.row(1)).max(), 1e-7);
  EXPECT_EQ(read_npy(r.test_npy).n_cols, 16u);
}

TEST_F(EmbedCommandTest, MissingColumnsAndModeMismatchAreNamed) {
  const fs::path no_text = table("no_text.csv", {{"id", "sentence", "label"}, {"a", "b", "c"}});
  const fs::path pairs = table("pairs.csv", {{"id", "text", "text_b", "label"}, {"a", "b", "c", "d"}});
  const fs::path single = table("single.csv", {{"id", "text", "label"}, {"a", "b", "c"}});
  const fs::path empty = table("empty.csv", {{"id", "text", "label"}});
  auto message = [](const fs::path& p, bool pair) {
    try {
      read_text_columns(p, pair);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(no_text, false).find("no 'text' column"), std::string::npos) << message(no_text, false);
  EXPECT_NE(message(no_text, false).find("no_text.csv"), std::string::npos);
  EXPECT_NE(message(pairs, false).find("use pair mode"), std::string::npos) << message(pairs, false);
  EXPECT_NE(message(single, true).find("needs a 'text_b' column"), std::string::npos) << message(single, true);
  EXPECT_NE(message(empty, false).find("has no rows"), std::string::npos) << message(empty, false);
  EXPECT_NE(message(dir_ / "absent.csv", false).find("not found"), std::string::npos);
  EXPECT_EQ(read_text_columns(single, false).text, (Strings{"b"}));
}

}  // namespace
}  // namespace tracer
