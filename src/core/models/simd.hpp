#pragma once
// Function multiversioning for the few hot scalar kernels: GCC compiles the
// function for AVX-512, AVX2+FMA and baseline x86-64 and picks one at load
// time, so the build needs no -march flag. The arithmetic is written with
// explicit std::fma and fixed partial-sum layouts, so every version computes
// the same floating-point operations in the same order (bit-identical results
// on any of these CPUs).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TRACER_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TRACER_MULTIVERSION
#endif
