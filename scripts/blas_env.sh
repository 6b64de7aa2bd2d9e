# Sourced by every script that makes or checks committed results: one set of
# OpenBLAS kernels on every x86-64 CPU with AVX2 + FMA.
# OpenBLAS picks its kernels from the CPU at load time (AVX2 "Zen"/"Haswell",
# AVX-512 "SkylakeX", ...), and they sum in different orders. Measured
# 2026-12-02: the LSA-768 embeddings of CLINC150 made on an AVX-512 Zen 4 differ
# from those made on an AVX2 Zen 3, and so does every fit on them, beyond the
# comparison tolerance (counts change). With OPENBLAS_CORETYPE=Zen (the AVX2
# kernels) the Zen 4 machine reproduces the Zen 3 bytes. A value already set
# is kept; CPUs without AVX2 + FMA keep OpenBLAS's own choice.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null; then
  export OPENBLAS_CORETYPE=Zen
fi
