/*
 * gemm_acc for the x86-64 builds of rnn.c (native/build-addon.sh): the same contract as the
 * WebAssembly one in rnn.c (C[m, n] += sum_k A(m, k) * B[k, n], A(m, k) = a[m*sam + k*sak], row
 * strides ldb and ldc, any sign), with fused multiply-adds on 256-bit (AVX2) or 512-bit (AVX-512)
 * vectors: tiles of MR rows by two vectors of columns keep 2·MR accumulators in registers across k
 * (MR 8 on AVX-512's 32 registers, 6 on AVX2's 16); the last M % MR rows are one tile of their own
 * count, not single rows (a single row has too few accumulators to hide the FMA latency, and the
 * kernels' M is often no multiple of MR: 41 rows of a sequence, 16 rows of a batch on AVX2);
 * the last columns go through one masked vector, so no column is done one float at a time.
 * Included by rnn.c only when it is not built for WebAssembly.
 */
#if defined(__AVX512F__)
typedef __m512 vw_t;
#define VW 16
#define MR 8
#define vw_load(p) _mm512_loadu_ps(p)
#define vw_store(p, v) _mm512_storeu_ps((p), (v))
#define vw_set1(x) _mm512_set1_ps(x)
#define vw_fma(a, b, c) _mm512_fmadd_ps((a), (b), (c))
typedef __mmask16 vw_mask_t;
QQP_INLINE vw_mask_t vw_mask(i32 n) { return (vw_mask_t)((1u << n) - 1u); }
#define vw_mload(p, m) _mm512_maskz_loadu_ps((m), (p))
#define vw_mstore(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#elif defined(__AVX2__) && defined(__FMA__)
typedef __m256 vw_t;
#define VW 8
#define MR 6
#define vw_load(p) _mm256_loadu_ps(p)
#define vw_store(p, v) _mm256_storeu_ps((p), (v))
#define vw_set1(x) _mm256_set1_ps(x)
#define vw_fma(a, b, c) _mm256_fmadd_ps((a), (b), (c))
typedef __m256i vw_mask_t;
QQP_INLINE vw_mask_t vw_mask(i32 n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
#define vw_mload(p, m) _mm256_maskload_ps((p), (m))
#define vw_mstore(p, m, v) _mm256_maskstore_ps((p), (m), (v))
#else
#error "the x86-64 build of rnn.c needs AVX2 and FMA (or AVX-512F)"
#endif

/* R rows (a compile-time constant after inlining) of C, all N columns. */
QQP_INLINE void gemm_rows(const i32 R, i32 N, i32 K, const f32 *a, i32 sam, i32 sak, const f32 *b,
                          i32 ldb, f32 *c, i32 ldc) {
  i32 n = 0;
  for (; n + 2 * VW <= N; n += 2 * VW) {
    vw_t x0[MR], x1[MR];
    for (i32 r = 0; r < R; r++) x0[r] = vw_load(c + r * ldc + n), x1[r] = vw_load(c + r * ldc + n + VW);
    const f32 *bk = b + n;
    for (i32 k = 0; k < K; k++, bk += ldb) {
      const vw_t b0 = vw_load(bk), b1 = vw_load(bk + VW);
      for (i32 r = 0; r < R; r++) {
        const vw_t v = vw_set1(a[r * sam + k * sak]);
        x0[r] = vw_fma(v, b0, x0[r]);
        x1[r] = vw_fma(v, b1, x1[r]);
      }
    }
    for (i32 r = 0; r < R; r++) vw_store(c + r * ldc + n, x0[r]), vw_store(c + r * ldc + n + VW, x1[r]);
  }
  for (; n < N; n += VW) {
    const i32 left = N - n < VW ? N - n : VW;
    const vw_mask_t m = vw_mask(left);
    vw_t x0[MR];
    for (i32 r = 0; r < R; r++) x0[r] = vw_mload(c + r * ldc + n, m);
    const f32 *bk = b + n;
    for (i32 k = 0; k < K; k++, bk += ldb) {
      const vw_t b0 = vw_mload(bk, m);
      for (i32 r = 0; r < R; r++) x0[r] = vw_fma(vw_set1(a[r * sam + k * sak]), b0, x0[r]);
    }
    for (i32 r = 0; r < R; r++) vw_mstore(c + r * ldc + n, m, x0[r]);
  }
}

static void gemm_acc(i32 M, i32 N, i32 K, const f32 *a, i32 sam, i32 sak, const f32 *b, i32 ldb,
                     f32 *c, i32 ldc) {
  i32 m = 0;
  for (; m + MR <= M; m += MR) gemm_rows(MR, N, K, a + m * sam, sam, sak, b, ldb, c + m * ldc, ldc);
  /* The last M % MR rows as one tile of that many rows (each count its own unrolled code). */
  a += m * sam, c += m * ldc;
  switch (M - m) {
#define QQP_TAIL(r) \
  case r: gemm_rows(r, N, K, a, sam, sak, b, ldb, c, ldc); break;
    QQP_TAIL(1)
    QQP_TAIL(2)
    QQP_TAIL(3)
    QQP_TAIL(4)
    QQP_TAIL(5)
#if MR > 6
    QQP_TAIL(6)
    QQP_TAIL(7)
#endif
#undef QQP_TAIL
    default: break;
  }
}
