#pragma once
// Function multiversioning for the few hot scalar kernels: GCC compiles the
// function for AVX-512, AVX2+FMA and baseline x86-64 and picks one at load
// time, so the build needs no -march flag. Kernels that must be reproducible
// across CPUs (SGD training) use explicit std::fma, which is exact in every
// version.
//
// The float single-row affine kernel (scaled_affine.cpp) does not use this
// macro: it has one hand-written kernel per ISA (AVX-512F, AVX2+FMA, SSE2),
// compiled with target attributes and chosen once at run time from the CPU
// (affine_kernel_name()). GCC's target_clones of a 64-byte vector-extension
// kernel spilled every accumulator to the stack on AVX2 (8x slower); explicit
// native-width kernels do not depend on how a clone lowers a wide type.
// Off under ThreadSanitizer: the ifunc resolvers run before its runtime is
// set up and crash at load.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
#define TRACER_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TRACER_MULTIVERSION
#endif

// x86-64 with GCC or clang: the per-ISA intrinsic kernels (target attributes,
// no -march flag needed). Elsewhere a portable scalar kernel.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TRACER_X86_KERNELS 1
#else
#define TRACER_X86_KERNELS 0
#endif
