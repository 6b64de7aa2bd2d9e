#pragma once
// Function multiversioning for the few hot scalar kernels: GCC compiles the
// function for AVX-512, AVX2+FMA and baseline x86-64 and picks one at load
// time, so the build needs no -march flag. Kernels that must be reproducible
// across CPUs (SGD training) use explicit std::fma, which is exact in every
// version; the float single-row kernel lets GCC fuse multiply-adds, so its
// last bits may differ between FMA and non-FMA CPUs (never between runs or
// thread counts on one machine).
// Off under ThreadSanitizer: the ifunc resolvers run before its runtime is
// set up and crash at load.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
#define TRACER_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TRACER_MULTIVERSION
#endif
