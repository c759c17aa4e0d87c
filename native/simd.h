/*
 * The vector operations native/rnn.c is written in, on VL float lanes, for each of its builds:
 * - WebAssembly (native/build.sh, clang --target=wasm32 -msimd128): VL = 4, each name one of
 *   clang's wasm_simd128.h operations (so rnn.wasm is the code it always was), but for vf_madd,
 *   a fused multiply-add in the relaxed-SIMD build (rnn-relaxed.wasm, -mrelaxed-simd) only;
 * - x86-64 (native/build-addon.sh): VL = 8 with AVX2 (gcc -mavx2 -mfma), VL = 16 with AVX-512
 *   (-mavx512f), each the operation WebAssembly defines lane by lane, NaN included (min and max
 *   give NaN when either operand is, as WebAssembly's do; x86's would give the second operand).
 * A compare gives a vector of all-ones or all-zeros lanes, as WebAssembly's does; v_and, v_or and
 * v_select work on bits. Only the operations rnn.c uses are here. Its matrix products have their
 * own code per build (rnn.c for WebAssembly, gemm-x86.h).
 */
#ifndef QQP_SIMD_H
#define QQP_SIMD_H

#ifdef __wasm__
#include <wasm_simd128.h>

#define VL 4
typedef v128_t vec_t;
#define v_load wasm_v128_load
#define v_store wasm_v128_store
#define v_and wasm_v128_and
#define v_or wasm_v128_or
#define v_select wasm_v128_bitselect
#define vf_splat wasm_f32x4_splat
#define vf_add wasm_f32x4_add
#define vf_sub wasm_f32x4_sub
#define vf_mul wasm_f32x4_mul
#define vf_div wasm_f32x4_div
/* a*b + c. In the relaxed build (clang -mrelaxed-simd: native/rnn-relaxed.wasm) it is relaxed
 * SIMD's f32x4.relaxed_madd, which the engine runs as one fused multiply-add where the CPU has
 * one (a single rounding; else a multiply and an add, so the last digits may differ between
 * machines); in the plain build (rnn.wasm) it is the add of a product it always was (clang makes
 * the same code of it as of the vf_add(vf_mul(...)) it replaced, so rnn.wasm did not change). */
#ifdef __wasm_relaxed_simd__
#if __has_builtin(__builtin_wasm_relaxed_madd_f32x4)
#define vf_madd wasm_f32x4_relaxed_madd
#else
/* clang 14 (Debian 12's, which builds the committed modules) has no wasm_f32x4_relaxed_madd: its
 * builtin is __builtin_wasm_fma_f32x4, encoded with the relaxed SIMD prototype's opcode, which
 * native/relaxed-opcodes.mjs renumbers to relaxed_madd's (same operands, a*b + c). */
#define vf_madd(a, b, c) ((v128_t)__builtin_wasm_fma_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(c)))
#endif
#else
#define vf_madd(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
#endif
#define vf_min wasm_f32x4_min
#define vf_max wasm_f32x4_max
#define vf_abs wasm_f32x4_abs
#define vf_neg wasm_f32x4_neg
#define vf_nearest wasm_f32x4_nearest
#define vf_gt wasm_f32x4_gt
#define vf_lt wasm_f32x4_lt
#define vf_ne wasm_f32x4_ne
#define vi_splat wasm_i32x4_splat
#define vi_add wasm_i32x4_add
#define vi_shl wasm_i32x4_shl
#define vi_trunc wasm_i32x4_trunc_sat_f32x4
#define vf_first(v) wasm_f32x4_extract_lane((v), 0)
/* The same operations as the x86 builds' helpers of the same names below. */
#define vf_clamp(x, lo, hi) wasm_f32x4_min(wasm_f32x4_max((x), (lo)), (hi))
#define vi_trunc_any wasm_i32x4_trunc_sat_f32x4
#define vf_select_lt(a, b, x, y) wasm_v128_bitselect((a), (b), wasm_f32x4_lt((x), (y)))
/* Lanes added left to right. */
static inline float vf_hsum(vec_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

#else /* x86-64 */
#include <immintrin.h>

#define QQP_INLINE static inline __attribute__((always_inline))

#if defined(__AVX512F__)
#define VL 16
typedef __m512 vec_t;
/* A compare's mask as a vector of all-ones or all-zeros lanes. */
QQP_INLINE vec_t v_lanes(__mmask16 m) { return _mm512_castsi512_ps(_mm512_maskz_set1_epi32(m, -1)); }
QQP_INLINE vec_t v_load(const void *p) { return _mm512_loadu_ps(p); }
QQP_INLINE void v_store(void *p, vec_t v) { _mm512_storeu_ps(p, v); }
QQP_INLINE vec_t v_and(vec_t a, vec_t b) { return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_castps_si512(b))); }
QQP_INLINE vec_t v_or(vec_t a, vec_t b) { return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(a), _mm512_castps_si512(b))); }
QQP_INLINE vec_t v_andnot(vec_t m, vec_t b) { return _mm512_castsi512_ps(_mm512_andnot_si512(_mm512_castps_si512(m), _mm512_castps_si512(b))); }
QQP_INLINE vec_t vf_splat(float x) { return _mm512_set1_ps(x); }
QQP_INLINE vec_t vf_add(vec_t a, vec_t b) { return _mm512_add_ps(a, b); }
QQP_INLINE vec_t vf_sub(vec_t a, vec_t b) { return _mm512_sub_ps(a, b); }
QQP_INLINE vec_t vf_mul(vec_t a, vec_t b) { return _mm512_mul_ps(a, b); }
QQP_INLINE vec_t vf_div(vec_t a, vec_t b) { return _mm512_div_ps(a, b); }
QQP_INLINE vec_t vf_unord(vec_t a, vec_t b) { return v_lanes(_mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q)); }
QQP_INLINE vec_t vf_min_raw(vec_t a, vec_t b) { return _mm512_min_ps(a, b); }
QQP_INLINE vec_t vf_max_raw(vec_t a, vec_t b) { return _mm512_max_ps(a, b); }
QQP_INLINE vec_t vf_nearest(vec_t a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
QQP_INLINE vec_t vf_gt(vec_t a, vec_t b) { return v_lanes(_mm512_cmp_ps_mask(a, b, _CMP_GT_OQ)); }
QQP_INLINE vec_t vf_lt(vec_t a, vec_t b) { return v_lanes(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ)); }
/* True for NaN lanes, as WebAssembly's ne. */
QQP_INLINE vec_t vf_ne(vec_t a, vec_t b) { return v_lanes(_mm512_cmp_ps_mask(a, b, _CMP_NEQ_UQ)); }
QQP_INLINE vec_t vi_splat(int x) { return _mm512_castsi512_ps(_mm512_set1_epi32(x)); }
QQP_INLINE vec_t vi_add(vec_t a, vec_t b) { return _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(a), _mm512_castps_si512(b))); }
QQP_INLINE vec_t vi_shl(vec_t a, int n) { return _mm512_castsi512_ps(_mm512_sll_epi32(_mm512_castps_si512(a), _mm_cvtsi32_si128(n))); }
QQP_INLINE vec_t vi_trunc_raw(vec_t a) { return _mm512_castsi512_ps(_mm512_cvttps_epi32(a)); }
QQP_INLINE float vf_first(vec_t v) { return _mm512_cvtss_f32(v); }
/* a where x < y, else b: one blend on the compare's mask register. */
QQP_INLINE vec_t vf_select_lt(vec_t a, vec_t b, vec_t x, vec_t y) {
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, y, _CMP_LT_OQ), b, a);
}
#else
#define VL 8
typedef __m256 vec_t;
QQP_INLINE vec_t v_load(const void *p) { return _mm256_loadu_ps(p); }
QQP_INLINE void v_store(void *p, vec_t v) { _mm256_storeu_ps(p, v); }
QQP_INLINE vec_t v_and(vec_t a, vec_t b) { return _mm256_and_ps(a, b); }
QQP_INLINE vec_t v_or(vec_t a, vec_t b) { return _mm256_or_ps(a, b); }
QQP_INLINE vec_t v_andnot(vec_t m, vec_t b) { return _mm256_andnot_ps(m, b); }
QQP_INLINE vec_t vf_splat(float x) { return _mm256_set1_ps(x); }
QQP_INLINE vec_t vf_add(vec_t a, vec_t b) { return _mm256_add_ps(a, b); }
QQP_INLINE vec_t vf_sub(vec_t a, vec_t b) { return _mm256_sub_ps(a, b); }
QQP_INLINE vec_t vf_mul(vec_t a, vec_t b) { return _mm256_mul_ps(a, b); }
QQP_INLINE vec_t vf_div(vec_t a, vec_t b) { return _mm256_div_ps(a, b); }
QQP_INLINE vec_t vf_unord(vec_t a, vec_t b) { return _mm256_cmp_ps(a, b, _CMP_UNORD_Q); }
QQP_INLINE vec_t vf_min_raw(vec_t a, vec_t b) { return _mm256_min_ps(a, b); }
QQP_INLINE vec_t vf_max_raw(vec_t a, vec_t b) { return _mm256_max_ps(a, b); }
QQP_INLINE vec_t vf_nearest(vec_t a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
QQP_INLINE vec_t vf_gt(vec_t a, vec_t b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
QQP_INLINE vec_t vf_lt(vec_t a, vec_t b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
/* True for NaN lanes, as WebAssembly's ne. */
QQP_INLINE vec_t vf_ne(vec_t a, vec_t b) { return _mm256_cmp_ps(a, b, _CMP_NEQ_UQ); }
QQP_INLINE vec_t vi_splat(int x) { return _mm256_castsi256_ps(_mm256_set1_epi32(x)); }
QQP_INLINE vec_t vi_add(vec_t a, vec_t b) { return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(a), _mm256_castps_si256(b))); }
QQP_INLINE vec_t vi_shl(vec_t a, int n) { return _mm256_castsi256_ps(_mm256_sll_epi32(_mm256_castps_si256(a), _mm_cvtsi32_si128(n))); }
QQP_INLINE vec_t vi_trunc_raw(vec_t a) { return _mm256_castsi256_ps(_mm256_cvttps_epi32(a)); }
QQP_INLINE float vf_first(vec_t v) { return _mm256_cvtss_f32(v); }
/* a where x < y, else b: one blend on the compare's all-ones or all-zeros lanes. */
QQP_INLINE vec_t vf_select_lt(vec_t a, vec_t b, vec_t x, vec_t y) { return _mm256_blendv_ps(b, a, _mm256_cmp_ps(x, y, _CMP_LT_OQ)); }
#endif

/* a*b + c, as the plain wasm build computes it (gcc, told -mfma, may fuse it as it may any
 * multiply and add; the addon is the same as before vf_madd). */
QQP_INLINE vec_t vf_madd(vec_t a, vec_t b, vec_t c) { return vf_add(vf_mul(a, b), c); }
/* Bits of a where mask is 1, of b where it is 0. */
QQP_INLINE vec_t v_select(vec_t a, vec_t b, vec_t mask) { return v_or(v_and(mask, a), v_andnot(mask, b)); }
/* NaN if either operand is NaN (all-ones lanes are a NaN), as WebAssembly's min and max. */
QQP_INLINE vec_t vf_min(vec_t a, vec_t b) { return v_or(vf_min_raw(a, b), vf_unord(a, b)); }
QQP_INLINE vec_t vf_max(vec_t a, vec_t b) { return v_or(vf_max_raw(a, b), vf_unord(a, b)); }
QQP_INLINE vec_t vf_abs(vec_t a) { return v_andnot(vf_splat(-0.0f), a); }
QQP_INLINE vec_t vf_neg(vec_t a) { return vf_sub(vf_splat(-0.0f), a) /* -0 - a flips the sign bit */; }
/* rnn.c clamps its inputs to a small range, so x86's out-of-range value (INT_MIN) never arises;
 * NaN, which WebAssembly turns into 0, gives 0 here too. */
QQP_INLINE vec_t vi_trunc(vec_t a) { return v_andnot(vf_unord(a, a), vi_trunc_raw(a)); }
/* vi_trunc for a caller whose result does not depend on what a NaN lane gives (v_exp: there the
 * polynomial is NaN too, and NaN times any number is that NaN): no NaN check. */
QQP_INLINE vec_t vi_trunc_any(vec_t a) { return vi_trunc_raw(a); }
/* min(max(x, lo), hi) for bounds that are neither NaN nor zero (so no -0/+0 question): a NaN x
 * stays NaN, as with WebAssembly's min and max, because x86's give their second operand when
 * either is NaN and x goes second; two instructions instead of vf_min's and vf_max's six. */
QQP_INLINE vec_t vf_clamp(vec_t x, vec_t lo, vec_t hi) { return vf_min_raw(hi, vf_max_raw(lo, x)); }
/* Lanes added left to right. */
QQP_INLINE float vf_hsum(vec_t v) {
  float lane[VL];
  v_store(lane, v);
  float s = lane[0];
  for (int k = 1; k < VL; k++) s += lane[k];
  return s;
}

#endif /* __wasm__ */
#endif /* QQP_SIMD_H */
