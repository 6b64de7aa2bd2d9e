#include <gtest/gtest.h>

#include <cstring>

#include "core/errors.hpp"
#include "core/standard_scaler.hpp"
#include "synthetic_blobs.hpp"

namespace tracer {
namespace {

using testing::make_blobs;

TEST(StandardScaler, StandardisesToZeroMeanUnitPopulationStd) {
  auto ds = make_blobs(200, 6, 3, 1.0, 4);
  ds.X.col(2).fill(7.5);  // a constant feature keeps scale 1 and maps to 0
  StandardScaler s;
  s.fit(ds.X);
  const arma::mat Z = s.transform(ds.X);
  for (arma::uword j = 0; j < Z.n_cols; ++j) {
    EXPECT_NEAR(arma::mean(Z.col(j)), 0.0, 1e-12) << j;
    EXPECT_NEAR(arma::stddev(Z.col(j), 1), j == 2 ? 0.0 : 1.0, 1e-12) << j;
  }
  EXPECT_EQ(s.scale()[2], 1.0);
}

// The MLP trains on these columns: they must be transform()'s values rounded
// to float, bit for bit, for rows in any order and repeated.
TEST(StandardScaler, FloatColumnsAreTransformRoundedBitForBit) {
  auto ds = make_blobs(37, 19, 3, 2.0, 8);  // 37 rows: blocks of 16 and a partial one
  StandardScaler s;
  s.fit(ds.X);
  const arma::uvec rows = {36, 0, 5, 5, 17, 2, 33, 1, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 3, 4, 30};
  const arma::fmat got = s.transform_rows_to_float_columns(ds.X, rows);
  const arma::fmat want = arma::conv_to<arma::fmat>::from(s.transform(ds.X).rows(rows).t());
  ASSERT_EQ(got.n_rows, 19u);
  ASSERT_EQ(got.n_cols, rows.n_elem);
  EXPECT_EQ(std::memcmp(got.memptr(), want.memptr(), got.n_elem * sizeof(float)), 0);
}

TEST(StandardScaler, FloatColumnsRejectMisuse) {
  auto ds = make_blobs(20, 4, 2, 1.0, 1);
  StandardScaler s;
  s.fit(ds.X);
  EXPECT_THROW(s.transform_rows_to_float_columns(ds.X, arma::uvec{0, 20}), InternalError);
  EXPECT_THROW(s.transform_rows_to_float_columns(arma::mat(5, 3, arma::fill::zeros), arma::uvec{0}), InternalError);
  EXPECT_EQ(s.transform_rows_to_float_columns(ds.X, arma::uvec()).n_cols, 0u);
}

}  // namespace
}  // namespace tracer
