//===- VectorClones.h - Inner loops compiled for several ISAs -----*- C++ -*-===//
///
/// \file
/// QNN_VECTOR_CLONES compiles a function for AVX-512, AVX2 and the
/// baseline, the loader picking the best the CPU has (GCC and clang
/// target_clones). The clones compute the same bits: integer arithmetic,
/// and float arithmetic without fused multiply-adds (-ffp-contract=off on
/// the files that use it). A helper of a cloned function is compiled for
/// the clone's ISA only where it is inlined into it: QNN_CLONE_INLINE.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_VECTORCLONES_H
#define QNN_RUNTIME_VECTORCLONES_H

#if defined(__x86_64__) && defined(__GNUC__)
#define QNN_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define QNN_CLONE_INLINE inline __attribute__((always_inline))
#else
#define QNN_VECTOR_CLONES
#define QNN_CLONE_INLINE inline
#endif

#endif
