/*
 * The 128-bit SIMD operations native/rnn.c is written in, for both of its builds:
 * - WebAssembly (native/build.sh, clang --target=wasm32 -msimd128): clang's own wasm_simd128.h;
 * - x86-64 (native/build-addon.sh, gcc -mavx2 -mfma, and again with -mavx512f): the same names on
 *   SSE registers, each the operation WebAssembly defines, NaN included (min and max return NaN
 *   when either operand is; SSE's would return the second operand).
 * Only the operations rnn.c uses are here. Its matrix products have their own wider code on x86
 * (gemm-x86.h); everything else runs these.
 */
#ifndef QQP_SIMD_H
#define QQP_SIMD_H

#ifdef __wasm__
#include <wasm_simd128.h>
#else
#include <immintrin.h>

typedef __m128 v128_t;

#define QQP_INLINE static inline __attribute__((always_inline))

QQP_INLINE v128_t wasm_v128_load(const void *p) { return _mm_loadu_ps((const float *)p); }
QQP_INLINE void wasm_v128_store(void *p, v128_t v) { _mm_storeu_ps((float *)p, v); }
QQP_INLINE v128_t wasm_f32x4_splat(float x) { return _mm_set1_ps(x); }
QQP_INLINE v128_t wasm_i32x4_splat(int x) { return _mm_castsi128_ps(_mm_set1_epi32(x)); }
QQP_INLINE v128_t wasm_f32x4_add(v128_t a, v128_t b) { return _mm_add_ps(a, b); }
QQP_INLINE v128_t wasm_f32x4_sub(v128_t a, v128_t b) { return _mm_sub_ps(a, b); }
QQP_INLINE v128_t wasm_f32x4_mul(v128_t a, v128_t b) { return _mm_mul_ps(a, b); }
QQP_INLINE v128_t wasm_f32x4_div(v128_t a, v128_t b) { return _mm_div_ps(a, b); }
/* NaN if either operand is NaN (all-ones lanes are a NaN), as WebAssembly's min and max. */
QQP_INLINE v128_t wasm_f32x4_min(v128_t a, v128_t b) {
  return _mm_or_ps(_mm_min_ps(a, b), _mm_cmpunord_ps(a, b));
}
QQP_INLINE v128_t wasm_f32x4_max(v128_t a, v128_t b) {
  return _mm_or_ps(_mm_max_ps(a, b), _mm_cmpunord_ps(a, b));
}
QQP_INLINE v128_t wasm_f32x4_abs(v128_t a) { return _mm_andnot_ps(_mm_set1_ps(-0.0f), a); }
QQP_INLINE v128_t wasm_f32x4_neg(v128_t a) { return _mm_xor_ps(_mm_set1_ps(-0.0f), a); }
/* Round to nearest, ties to even. */
QQP_INLINE v128_t wasm_f32x4_nearest(v128_t a) {
  return _mm_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
QQP_INLINE v128_t wasm_f32x4_gt(v128_t a, v128_t b) { return _mm_cmpgt_ps(a, b); }
QQP_INLINE v128_t wasm_f32x4_lt(v128_t a, v128_t b) { return _mm_cmplt_ps(a, b); }
/* True for NaN lanes, as WebAssembly's ne. */
QQP_INLINE v128_t wasm_f32x4_ne(v128_t a, v128_t b) { return _mm_cmpneq_ps(a, b); }
QQP_INLINE v128_t wasm_v128_and(v128_t a, v128_t b) { return _mm_and_ps(a, b); }
QQP_INLINE v128_t wasm_v128_or(v128_t a, v128_t b) { return _mm_or_ps(a, b); }
/* Bits of a where mask is 1, of b where it is 0. */
QQP_INLINE v128_t wasm_v128_bitselect(v128_t a, v128_t b, v128_t mask) {
  return _mm_or_ps(_mm_and_ps(mask, a), _mm_andnot_ps(mask, b));
}
QQP_INLINE v128_t wasm_i32x4_add(v128_t a, v128_t b) {
  return _mm_castsi128_ps(_mm_add_epi32(_mm_castps_si128(a), _mm_castps_si128(b)));
}
QQP_INLINE v128_t wasm_i32x4_shl(v128_t a, int n) {
  return _mm_castsi128_ps(_mm_sll_epi32(_mm_castps_si128(a), _mm_cvtsi32_si128(n)));
}
/* Inputs are clamped to a small range where rnn.c uses it, so SSE's out-of-range value (INT_MIN)
 * never arises; NaN, which WebAssembly turns into 0, does the same here. */
QQP_INLINE v128_t wasm_i32x4_trunc_sat_f32x4(v128_t a) {
  __m128i t = _mm_cvttps_epi32(a);
  return _mm_castsi128_ps(_mm_andnot_si128(_mm_castps_si128(_mm_cmpunord_ps(a, a)), t));
}
#define wasm_f32x4_extract_lane(v, lane) \
  _mm_cvtss_f32(_mm_shuffle_ps((v), (v), _MM_SHUFFLE((lane), (lane), (lane), (lane))))

#endif /* __wasm__ */
#endif /* QQP_SIMD_H */
