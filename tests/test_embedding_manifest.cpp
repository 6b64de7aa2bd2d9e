#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unistd.h>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "io/atomic_file.hpp"
#include "io/embedding_manifest.hpp"

namespace tracer {
namespace {

namespace fs = std::filesystem;

class EmbeddingManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / fmt::format("tracer_manifest_{}_{}", ::getpid(), info->name());
    fs::remove_all(dir_);
    write_file_atomic(dir_ / "train.csv", "\"id\",\"text\",\"label\"\n\"a\",\"b\",\"c\"\n");
    write_file_atomic(dir_ / "test.csv", "\"id\",\"text\",\"label\"\n\"z\",\"y\",\"c\"\n");
    write_file_atomic(dir_ / "emb" / "lsa_train.npy", "train npy bytes");
    write_file_atomic(dir_ / "emb" / "lsa_test.npy", "test npy bytes");
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// A manifest as `tracer-bench embed` writes it (the keys it records).
  void write_manifest() {
    auto split = [&](const std::string& s) {
      return fmt::format(
          "{{\"csv\": \"prepared/x/{0}.csv\", \"csv_sha256\": \"{1}\", \"rows\": 1, \"npy\": \"lsa_{0}.npy\", "
          "\"npy_sha256\": \"{2}\", \"texts_without_vocabulary_terms\": 0}}",
          s, sha256_file(dir_ / (s + ".csv")), sha256_file(dir_ / "emb" / ("lsa_" + s + ".npy")));
    };
    write_file_atomic(dir_ / "emb" / "lsa.json",
                      fmt::format("{{\n  \"format\": \"tracer-bench embeddings 1\",\n  \"encoder\": \"lsa\",\n"
                                  "  \"train\": {},\n  \"test\": {}\n}}\n",
                                  split("train"), split("test")));
  }

  std::string error_of(const fs::path& npy, const fs::path& csv) {
    try {
      verify_embedding_manifest(npy, csv);
    } catch (const DataError& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected a DataError";
    return {};
  }

  fs::path dir_;
};

TEST_F(EmbeddingManifestTest, SidecarPath) {
  EXPECT_EQ(embedding_manifest_path("d/lsa768_train.npy"), fs::path("d/lsa768.json"));
  EXPECT_EQ(embedding_manifest_path("d/glove-sif_test.npy"), fs::path("d/glove-sif.json"));
  EXPECT_EQ(embedding_manifest_path("d/bge.npy"), fs::path());
  EXPECT_EQ(embedding_manifest_path("d/_train.npy"), fs::path());
}

TEST_F(EmbeddingManifestTest, MatchingFilesPass) {
  write_manifest();
  EXPECT_TRUE(verify_embedding_manifest(dir_ / "emb" / "lsa_train.npy", dir_ / "train.csv"));
  EXPECT_TRUE(verify_embedding_manifest(dir_ / "emb" / "lsa_test.npy", dir_ / "test.csv"));
}

TEST_F(EmbeddingManifestTest, NoManifestOrForeignSidecarIsAllowed) {
  EXPECT_FALSE(verify_embedding_manifest(dir_ / "emb" / "lsa_train.npy", dir_ / "train.csv"));
  write_file_atomic(dir_ / "emb" / "lsa.json", "{\"model\": \"BAAI/bge-m3\", \"normalize\": true}");
  EXPECT_FALSE(verify_embedding_manifest(dir_ / "emb" / "lsa_train.npy", dir_ / "train.csv"));
}

TEST_F(EmbeddingManifestTest, WrongTraceTableNamesBothFiles) {
  write_manifest();
  const std::string msg = error_of(dir_ / "emb" / "lsa_train.npy", dir_ / "test.csv");
  EXPECT_NE(msg.find((dir_ / "emb" / "lsa_train.npy").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find((dir_ / "test.csv").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("do not belong to this table"), std::string::npos) << msg;
}

TEST_F(EmbeddingManifestTest, ChangedTraceTableOrNpyFails) {
  write_manifest();
  write_file_atomic(dir_ / "train.csv", "\"id\",\"text\",\"label\"\n\"a\",\"b changed\",\"c\"\n");
  EXPECT_NE(error_of(dir_ / "emb" / "lsa_train.npy", dir_ / "train.csv").find("sha256"), std::string::npos);
  write_manifest();
  write_file_atomic(dir_ / "emb" / "lsa_test.npy", "other bytes");
  const std::string msg = error_of(dir_ / "emb" / "lsa_test.npy", dir_ / "test.csv");
  EXPECT_NE(msg.find("changed or replaced"), std::string::npos) << msg;
  EXPECT_NE(msg.find((dir_ / "test.csv").string()), std::string::npos) << msg;
}

TEST_F(EmbeddingManifestTest, MalformedOrIncompleteManifestFails) {
  write_file_atomic(dir_ / "emb" / "lsa.json", "{\"format\": \"tracer-bench embeddings 1\", ");
  EXPECT_NE(error_of(dir_ / "emb" / "lsa_train.npy", dir_ / "train.csv").find("not valid JSON"), std::string::npos);
  write_file_atomic(dir_ / "emb" / "lsa.json", "{\"format\": \"tracer-bench embeddings 1\", \"train\": {}}");
  EXPECT_NE(error_of(dir_ / "emb" / "lsa_train.npy", dir_ / "train.csv").find("does not list"), std::string::npos);
  write_file_atomic(dir_ / "emb" / "lsa.json",
                    "{\"format\": \"tracer-bench embeddings 1\", \"train\": {\"npy\": \"lsa_train.npy\"}}");
  EXPECT_NE(error_of(dir_ / "emb" / "lsa_train.npy", dir_ / "train.csv").find("npy_sha256"), std::string::npos);
}

TEST_F(EmbeddingManifestTest, CommittedPreparedManifestsMatch) {
  // The real files, when prepared/ is there (CI prepares it before ctest).
  const fs::path emb = fs::path(TRACER_SOURCE_DIR) / "prepared" / "banking77" / "embeddings";
  if (!fs::exists(emb / "lsa768.json")) GTEST_SKIP() << "no prepared/banking77 embeddings";
  const fs::path data = fs::path(TRACER_SOURCE_DIR) / "prepared" / "banking77";
  EXPECT_TRUE(verify_embedding_manifest(emb / "lsa768_train.npy", data / "train.csv"));
  EXPECT_TRUE(verify_embedding_manifest(emb / "lsa768_test.npy", data / "test.csv"));
  EXPECT_THROW(verify_embedding_manifest(emb / "lsa768_test.npy", data / "train.csv"), DataError);
}

}  // namespace
}  // namespace tracer

namespace tracer {
namespace {

TEST(EmbedAsOneUnit, AnEmbedKilledBeforeItsFinalManifestIsRefused) {
  // What `tracer-bench embed` leaves when killed after writing the arrays
  // but before completing the manifest.
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("tracer_embed_unit_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  write_file_atomic(dir / "train.csv", "\"id\",\"text\",\"label\"\n\"a\",\"b\",\"c\"\n");
  write_file_atomic(dir / "e_train.npy", "new train bytes");
  write_file_atomic(dir / "e.json", incomplete_manifest_json());
  try {
    verify_embedding_manifest(dir / "e_train.npy", dir / "train.csv");
    ADD_FAILURE() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("did not finish"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("e.json"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tracer
