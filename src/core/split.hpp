#pragma once
// Seeded splits stratified by label.
#include <armadillo>
#include <cstdint>
#include <vector>

namespace tracer {

/// Splits row indices 0..n-1 into groups with the given fractions (which must
/// sum to 1), stratified by `labels`: within each class the rows are shuffled
/// (seeded) and group g receives round(fraction_g * n_c) of them, with group 0
/// taking the remainder. Group 0 (the training group) always keeps at least one
/// row of every class, so every class the data has is learnable; when a class
/// is too small for every group, the later groups give way first.
/// Returned indices are sorted ascending within each group.
std::vector<arma::uvec> stratified_split(const arma::uvec& labels, const std::vector<double>& fractions,
                                         std::uint64_t seed);

}  // namespace tracer

namespace tracer {

/// Exactly `size` row indices (sorted) of 0..n-1, stratified by label: every
/// row gets the key (rank within its shuffled class + u) / class size, u
/// uniform, and the `size` smallest keys are kept, so each class contributes in
/// proportion up to one row. Seeded; size must be <= n.
arma::uvec stratified_subsample(const arma::uvec& labels, std::size_t size, std::uint64_t seed);

}  // namespace tracer
