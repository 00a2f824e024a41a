//===- VectorClones.h - Inner loops compiled for several ISAs -----*- C++ -*-===//
///
/// \file
/// QNN_VECTOR_CLONES compiles a function for x86-64-v4 (AVX-512),
/// x86-64-v3 (AVX2 and FMA) and the baseline, the loader picking the best
/// the CPU has (GCC and clang target_clones). The clones compute the same
/// bits: integer arithmetic, and float arithmetic whose fused multiply-adds
/// are written as std::fma, which rounds once on every CPU (an instruction
/// in the v3 and v4 clones, the C library's fmaf in the baseline one: slow,
/// but the same bits), while the compiler fuses none of its own
/// (-ffp-contract=off on the files that use it). A helper of a cloned
/// function is compiled for the clone's ISA only where it is inlined into
/// it: QNN_CLONE_INLINE.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_VECTORCLONES_H
#define QNN_RUNTIME_VECTORCLONES_H

#if defined(__x86_64__) && defined(__GNUC__)
#define QNN_VECTOR_CLONES                                                                          \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define QNN_CLONE_INLINE inline __attribute__((always_inline))
#else
#define QNN_VECTOR_CLONES
#define QNN_CLONE_INLINE inline
#endif

#endif
