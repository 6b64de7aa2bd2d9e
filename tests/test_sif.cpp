#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

#include "core/encoder/sif.hpp"
#include "core/errors.hpp"
#include "io/atomic_file.hpp"
#include "io/glove_store.hpp"
#include "io/npy.hpp"
#include "app/sif_command.hpp"

namespace tracer {
namespace {

using Tokens = std::vector<std::string>;

TEST(SifTokenize, LowerCasesAndSplitsPunctuation) {
  EXPECT_EQ(sif_tokenize("Where is my CARD?"), (Tokens{"where", "is", "my", "card", "?"}));
  EXPECT_EQ(sif_tokenize("  a,b.  (c)\t"), (Tokens{"a", ",", "b", ".", "(", "c", ")"}));
  EXPECT_EQ(sif_tokenize(""), Tokens{});
}

TEST(SifTokenize, ExpandsCliticsAndKeepsNegation) {
  EXPECT_EQ(sif_tokenize("I don't"), (Tokens{"i", "do", "not"}));
  EXPECT_EQ(sif_tokenize("can't won't isn't"), (Tokens{"can", "not", "will", "not", "is", "not"}));
  EXPECT_EQ(sif_tokenize("I'm we're I've you'll I'd it's"),
            (Tokens{"i", "am", "we", "are", "i", "have", "you", "will", "i", "would", "it", "'s"}));
  // U+2019 works as an apostrophe inside a word, and is a token on its own elsewhere.
  EXPECT_EQ(sif_tokenize("hasn\xE2\x80\x99t"), (Tokens{"has", "not"}));
  EXPECT_EQ(sif_tokenize("\xE2\x80\x99ok"), (Tokens{"\xE2\x80\x99", "ok"}));
  EXPECT_EQ(sif_tokenize("o'clock 'quoted'"), (Tokens{"oclock", "'", "quoted", "'"}));
}

TEST(SifTokenize, HyphensNumbersAndSymbols) {
  EXPECT_EQ(sif_tokenize("top-up -x y-"), (Tokens{"top-up", "-", "x", "y", "-"}));
  EXPECT_EQ(sif_tokenize("\xC2\xA3"
                         "1,000.50 now"),
            (Tokens{"\xC2\xA3", "1,000.50", "now"}));
  EXPECT_EQ(sif_tokenize("end. 3.5"), (Tokens{"end", ".", "3.5"}));
  // No-break space separates words.
  EXPECT_EQ(sif_tokenize("a\xC2\xA0"
                         "b"),
            (Tokens{"a", "b"}));
}

// A four-word vocabulary in rank order, 2-d vectors.
struct Tiny {
  arma::mat table = {{1.0, 0.0},    // the
                     {0.0, 2.0},    // card
                     {2.0, 2.0},    // lost
                     {1.0, -1.0}};  // pin
  WordIndex vocab = {{"the", 0}, {"card", 1}, {"lost", 2}, {"pin", 3}};
};

TEST(SifLookup, CountsOovAndBacksOffHyphenatedWords) {
  Tiny t;
  SifTokens s = sif_lookup("The card xyz lost-pin card-qq", t.vocab);
  EXPECT_EQ(s.ids, (std::vector<arma::uword>{0, 1, 2, 3, 1}));
  EXPECT_EQ(s.n_tokens, 7u);  // the card xyz lost pin card qq
  EXPECT_EQ(s.n_oov, 2u);     // xyz, qq
}

TEST(SifFrequencies, ZipfAndAddOneByHand) {
  const arma::vec z = sif_zipf_probabilities(4);
  const double h4 = 1.0 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4;  // 25/12
  for (int r = 0; r < 4; ++r) EXPECT_NEAR(z[r], 1.0 / ((r + 1) * h4), 1e-15);
  EXPECT_NEAR(arma::accu(z), 1.0, 1e-15);

  Tiny t;
  std::vector<SifTokens> texts = {sif_lookup("card card the", t.vocab), sif_lookup("card zz", t.vocab)};
  const arma::vec p = sif_count_probabilities(texts, 4);
  // counts the=1 card=3 lost=0 pin=0, N = 4 in-vocabulary tokens, V = 4.
  EXPECT_NEAR(p[0], 2.0 / 8, 1e-15);
  EXPECT_NEAR(p[1], 4.0 / 8, 1e-15);
  EXPECT_NEAR(p[2], 1.0 / 8, 1e-15);
  EXPECT_NEAR(p[3], 1.0 / 8, 1e-15);
}

// The whole encoder against a computation by hand: Zipf p(w) on 4 words is
// 12/25 * (1, 1/2, 1/3, 1/4) = (0.48, 0.24, 0.16, 0.12); with a = 0.12 the
// weights a / (a + p) are (1/5, 1/3, 3/7, 1/2).
TEST(SifEncoder, MatchesHandComputationWithComponentRemoval) {
  Tiny t;
  SifOptions opt;
  opt.a = 0.12;
  SifEncoder enc(t.table, t.vocab, opt);
  const std::vector<std::string> train = {"The card", "lost PIN", "card card xyz"};
  SifStats stats;
  const arma::mat X = enc.fit_transform(train, &stats);

  const double w_the = 0.2, w_card = 1.0 / 3, w_lost = 3.0 / 7, w_pin = 0.5;
  ASSERT_NEAR(enc.weights()[0], w_the, 1e-12);
  ASSERT_NEAR(enc.weights()[1], w_card, 1e-12);
  ASSERT_NEAR(enc.weights()[2], w_lost, 1e-12);
  ASSERT_NEAR(enc.weights()[3], w_pin, 1e-12);

  // Weighted averages (OOV "xyz" skipped, so s3 divides by 2).
  const double avg[3][2] = {
      {(w_the * 1 + w_card * 0) / 2, (w_the * 0 + w_card * 2) / 2},   // (0.1, 1/3)
      {(w_lost * 2 + w_pin * 1) / 2, (w_lost * 2 + w_pin * -1) / 2},  // (19/28, 5/28)
      {0.0, (w_card * 2 + w_card * 2) / 2},                           // (0, 2/3)
  };
  // First right singular vector u of the 3 x 2 matrix A: top eigenvector of
  // G = A^T A = [[g11, g12], [g12, g22]], i.e. u ~ (g12, lambda - g11).
  double g11 = 0, g12 = 0, g22 = 0;
  for (auto& r : avg) {
    g11 += r[0] * r[0];
    g12 += r[0] * r[1];
    g22 += r[1] * r[1];
  }
  const double lambda = (g11 + g22) / 2 + std::sqrt((g11 - g22) * (g11 - g22) / 4 + g12 * g12);
  double u0 = g12, u1 = lambda - g11;
  const double norm = std::hypot(u0, u1);
  u0 /= norm;
  u1 /= norm;
  ASSERT_EQ(enc.components().n_rows, 1u);
  EXPECT_NEAR(std::abs(enc.components()(0, 0) * u0 + enc.components()(0, 1) * u1), 1.0, 1e-12);

  ASSERT_EQ(X.n_rows, 3u);
  ASSERT_EQ(X.n_cols, 2u);
  for (int i = 0; i < 3; ++i) {
    const double proj = avg[i][0] * u0 + avg[i][1] * u1;
    EXPECT_NEAR(X(i, 0), avg[i][0] - proj * u0, 1e-12) << "row " << i;
    EXPECT_NEAR(X(i, 1), avg[i][1] - proj * u1, 1e-12) << "row " << i;
  }
  EXPECT_EQ(stats.n_texts, 3u);
  EXPECT_EQ(stats.n_tokens, 7u);
  EXPECT_EQ(stats.n_oov, 1u);
  EXPECT_EQ(stats.n_empty, 0u);

  // Test texts use the stored component: same numbers as the training row.
  const arma::mat Y = enc.transform({"lost pin"});
  EXPECT_NEAR(Y(0, 0), X(1, 0), 1e-15);
  EXPECT_NEAR(Y(0, 1), X(1, 1), 1e-15);
}

TEST(SifEncoder, OovOnlyTextIsZeroAndCounted) {
  Tiny t;
  SifEncoder enc(t.table, t.vocab);
  enc.fit({"the card", "lost pin", "card"});
  SifStats stats;
  const arma::mat Y = enc.transform({"xyz qq!", "", "card"}, &stats);
  EXPECT_TRUE(arma::all(Y.row(0) == 0.0));
  EXPECT_TRUE(arma::all(Y.row(1) == 0.0));
  EXPECT_GT(arma::norm(Y.row(2)), 0.0);
  EXPECT_EQ(stats.n_texts, 3u);
  EXPECT_EQ(stats.n_empty, 2u);
  EXPECT_EQ(stats.n_tokens, 4u);  // xyz qq ! card
  EXPECT_EQ(stats.n_oov, 3u);
}

TEST(SifEncoder, AllEmptyTrainingTextsAreAnError) {
  Tiny t;
  SifEncoder enc(t.table, t.vocab);
  EXPECT_THROW(enc.fit({"xyz", "qq"}), DataError);
  EXPECT_THROW(enc.transform({"card"}), InternalError);
}

TEST(SifEncoder, DeterministicAndTrainFrequencyMode) {
  arma::arma_rng::set_seed(3);
  const arma::mat table(50, 8, arma::fill::randn);
  WordIndex vocab;
  for (arma::uword i = 0; i < 50; ++i) vocab.emplace(fmt::format("w{}", i), i);
  std::vector<std::string> texts;
  for (int i = 0; i < 40; ++i) texts.push_back(fmt::format("w{} w{} w{} oov", i % 50, (i * 7) % 50, (i * 13) % 50));
  for (SifFrequency f : {SifFrequency::kZipf, SifFrequency::kTrain}) {
    SifOptions opt;
    opt.frequency = f;
    opt.n_components = 2;
    SifEncoder a(table, vocab, opt), b(table, vocab, opt);
    const arma::mat xa = a.fit_transform(texts), xb = b.fit_transform(texts);
    EXPECT_TRUE(arma::approx_equal(xa, xb, "absdiff", 0.0));
    EXPECT_TRUE(arma::approx_equal(a.transform(texts), xa, "absdiff", 1e-14));
    // The removed directions are gone from every row.
    EXPECT_LT(arma::abs(xa * a.components().t()).max(), 1e-12);
  }
  EXPECT_THROW(parse_sif_frequency("unigram"), ConfigError);
  EXPECT_EQ(parse_sif_frequency("train"), SifFrequency::kTrain);
}

// The Python converter and the C++ loader agree on the TGLOVE01 format.
TEST(GloveStore, ConverterOutputLoads) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / fmt::format("test_sif_{}", ::getpid());
  fs::create_directories(dir);
  const std::string json = R"({"precision":8,"l2NormIndex":2,"wordIndex":3,"size":3,"dimensions":2,)"
                           R"("words":["the","\u00a3","top-up"],)"
                           R"("vectors":{"the":[3,4,5,0],"\u00a3":[0.5,-1.25,1.3462912017,1],"top-up":[0,-2,2,2]},)"
                           R"("unkVector":[0,0,0,-1]})";
  write_file_atomic(dir / "in.json", json);
  const std::string cmd = fmt::format(
      "python3 '{}/data_scripts/glove_convert.py' --json '{}' --out '{}' --manifest '{}' --source-sha256 x >/dev/null",
      TRACER_SOURCE_DIR, (dir / "in.json").string(), (dir / "v.tglove").string(), (dir / "m.json").string());
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  const GloveStore s = load_glove_store(dir / "v.tglove");
  EXPECT_EQ(s.words, (std::vector<std::string>{"the", "\xC2\xA3", "top-up"}));
  ASSERT_EQ(s.vectors.n_rows, 3u);
  ASSERT_EQ(s.vectors.n_cols, 2u);
  EXPECT_EQ(s.vectors(0, 0), 3.0);
  EXPECT_EQ(s.vectors(1, 1), -1.25);
  EXPECT_EQ(s.vectors(2, 1), -2.0);
  EXPECT_EQ(s.index.at("top-up"), 2u);

  // Corruptions are refused with a message.
  std::string bytes = read_file(dir / "v.tglove");
  write_file_atomic(dir / "bad.tglove", "XGLOVE01" + bytes.substr(8));
  EXPECT_THROW(load_glove_store(dir / "bad.tglove"), std::runtime_error);
  write_file_atomic(dir / "short.tglove", bytes.substr(0, 30));
  EXPECT_THROW(load_glove_store(dir / "short.tglove"), std::runtime_error);
  EXPECT_THROW(load_glove_store(dir / "missing.tglove"), std::runtime_error);
  fs::remove_all(dir);
}

// Writes a TGLOVE01 file by hand (the layout glove_store.hpp documents).
void write_tglove(const std::filesystem::path& path, const std::vector<std::string>& words, const arma::mat& vecs) {
  std::string bytes = "TGLOVE01";
  auto put_u32 = [&](std::uint32_t v) {
    for (int k = 0; k < 4; ++k) bytes.push_back(char((v >> (8 * k)) & 0xFF));
  };
  put_u32(static_cast<std::uint32_t>(vecs.n_rows));
  put_u32(static_cast<std::uint32_t>(vecs.n_cols));
  for (arma::uword i = 0; i < vecs.n_rows; ++i)
    for (arma::uword j = 0; j < vecs.n_cols; ++j) put_u32(std::bit_cast<std::uint32_t>(static_cast<float>(vecs(i, j))));
  for (const auto& w : words) bytes += w + "\n";
  write_file_atomic(path, bytes);
}

TEST(SifCommand, WritesAlignedNpyAndManifest) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / fmt::format("test_sif_cmd_{}", ::getpid());
  fs::remove_all(dir);
  Tiny t;
  write_tglove(dir / "v.tglove", {"the", "card", "lost", "pin"}, t.table);
  write_file_atomic(dir / "train.csv",
                    "\"id\",\"text\",\"label\"\n\"a\",\"The card\",\"x\"\n\"b\",\"lost, \"\"PIN\"\"\",\"y\"\n"
                    "\"c\",\"card card xyz\",\"x\"\n");
  write_file_atomic(dir / "test.csv", "\"id\",\"text\",\"label\"\n\"d\",\"zzz\",\"x\"\n\"e\",\"pin\",\"y\"\n");
  SifEmbedOptions opt;
  opt.train_csv = dir / "train.csv";
  opt.test_csv = dir / "test.csv";
  opt.out_dir = dir / "out";
  opt.word_vectors = dir / "v.tglove";
  opt.quiet = true;
  const SifEmbedReport r = run_sif_embed(opt);
  EXPECT_EQ(r.train_rows, 3u);
  EXPECT_EQ(r.test_rows, 2u);
  EXPECT_EQ(r.test_stats.n_empty, 1u);  // "zzz"
  EXPECT_EQ(r.train_stats.n_oov, 4u);   // ",", two quote marks (tokens, absent here) and "xyz"

  // Same numbers as the encoder itself, to float32 precision.
  SifEncoder enc(t.table, t.vocab, opt.sif);
  const arma::mat X = enc.fit_transform({"The card", "lost, \"PIN\"", "card card xyz"});
  const arma::mat Y = enc.transform({"zzz", "pin"});
  const arma::mat Xr = read_npy(r.train_npy), Yr = read_npy(r.test_npy);
  ASSERT_EQ(Xr.n_rows, 3u);
  ASSERT_EQ(Yr.n_rows, 2u);
  EXPECT_LT(arma::abs(Xr - X).max(), 1e-6);
  EXPECT_LT(arma::abs(Yr - Y).max(), 1e-6);
  EXPECT_TRUE(arma::all(Yr.row(0) == 0.0));
  const std::string manifest = read_file(r.manifest);
  EXPECT_NE(manifest.find("\"encoder\": \"glove-sif\""), std::string::npos);
  EXPECT_NE(manifest.find("\"empty_texts\": 1"), std::string::npos);
  EXPECT_NE(manifest.find(sha256_file(dir / "v.tglove")), std::string::npos);

  // L2 option: unit rows, the empty text still zero.
  opt.l2_normalize = true;
  opt.name = "l2";
  const SifEmbedReport r2 = run_sif_embed(opt);
  const arma::mat Xn = read_npy(r2.train_npy), Yn = read_npy(r2.test_npy);
  for (arma::uword i = 0; i < Xn.n_rows; ++i) EXPECT_NEAR(arma::norm(Xn.row(i)), 1.0, 1e-6);
  EXPECT_TRUE(arma::all(Yn.row(0) == 0.0));

  // A pair table needs pair mode; in pair mode the row is [u, v, |u-v|, u*v].
  write_file_atomic(dir / "ptrain.csv",
                    "\"id\",\"text\",\"text_b\",\"label\"\n\"a\",\"the card\",\"lost pin\",\"x\"\n"
                    "\"b\",\"card\",\"pin pin\",\"y\"\n");
  opt = {};
  opt.train_csv = opt.test_csv = dir / "ptrain.csv";
  opt.out_dir = dir / "out";
  opt.word_vectors = dir / "v.tglove";
  opt.quiet = true;
  EXPECT_THROW(run_sif_embed(opt), std::runtime_error);
  opt.pair = true;
  const SifEmbedReport rp = run_sif_embed(opt);
  const arma::mat P = read_npy(rp.train_npy);
  ASSERT_EQ(P.n_cols, 8u);
  EXPECT_LT(arma::abs(P.cols(4, 5) - arma::abs(P.cols(0, 1) - P.cols(2, 3))).max(), 1e-6);
  EXPECT_EQ(rp.train_stats.n_texts, 4u);

  opt.word_vectors = dir / "missing.tglove";
  EXPECT_THROW(run_sif_embed(opt), std::runtime_error);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tracer
