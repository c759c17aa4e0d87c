/*
 * qqp's fused kernels in WebAssembly SIMD (128-bit): LSTM and GRU over a whole sequence, forward
 * and backpropagation through time; and the soft alignment (align_forward, align_backward, below).
 *
 * Built by native/build.sh (clang --target=wasm32 -msimd128) into native/rnn.wasm, and with
 * -mrelaxed-simd (every multiply followed by an add, vf_madd, fused) into native/rnn-relaxed.wasm,
 * both committed; src/backend/kernels/rnn-wasm.ts loads the one this Node runs (align-wasm.ts
 * describes the align functions). No libc: the module owns one memory, the caller (JavaScript) lays out every buffer in
 * it and passes byte offsets as pointers. Every recurrent entry point takes (B, T, F, H, reverse,
 * act, rec_act) first, then its arrays (0 for an absent one).
 *
 * Layout, shared by every function here (B batch, T timesteps, F input features, H units, G gates
 * per unit: 4 LSTM, 3 GRU; all matrices row-major):
 *   x       [B, T, F]    the input sequence, indexed by input time t
 *   w       [F, G*H]     input kernel; bias [G*H] or 0 for none
 *   u       [H, G*H]     recurrent kernel (tfjs' layout and gate order: LSTM i f c o, GRU z r h)
 *   h0, c0  [B, H]       initial state
 *   mask    [B, T] or 0  1 keeps a step, 0 carries the previous state through it (tfjs' masking)
 *   hs, cs  [B, T, H]    state after each *processing* step s (t = reverse ? T-1-s : s), which is
 *                        the order tfjs-layers returns sequences in, go-backwards included
 *   gates   [B, T, G*H]  activated gates per processing step (saved for the backward pass)
 * The input projection x·W + b of every timestep is one matrix product per sequence before the
 * recurrence, and its gradients (dx, dW, db) one product each after it. dx is in input time order.
 */
#include "simd.h"

typedef float f32;
typedef int i32;

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(#name)))
#else
/* x86-64 (native/build-addon.sh): the kernels stay inside their build, reached through QQP_ENTRY
 * (x86-entry.h, at the end). */
#define EXPORT(name) static
#endif

/* ---- activations ----------------------------------------------------------------------------- */

enum { ACT_LINEAR = 0, ACT_TANH = 1, ACT_SIGMOID = 2, ACT_HARD_SIGMOID = 3, ACT_RELU = 4 };

/* exp(x) for |x| <= 88: x = n·ln2 + r, |r| <= ln2/2, e^r by a degree-6 polynomial (Cephes' expf
 * coefficients), 2^n put into the exponent bits. Relative error about 1e-7. */
static inline vec_t v_exp(vec_t x) {
  x = vf_clamp(x, vf_splat(-87.0f), vf_splat(88.0f));
  vec_t n = vf_nearest(vf_mul(x, vf_splat(1.44269504088896341f)));
  vec_t r = vf_sub(x, vf_mul(n, vf_splat(0.693359375f)));
  r = vf_sub(r, vf_mul(n, vf_splat(-2.12194440e-4f)));
  vec_t p = vf_splat(1.9875691500e-4f);
  p = vf_madd(p, r, vf_splat(1.3981999507e-3f));
  p = vf_madd(p, r, vf_splat(8.3334519073e-3f));
  p = vf_madd(p, r, vf_splat(4.1665795894e-2f));
  p = vf_madd(p, r, vf_splat(1.6666665459e-1f));
  p = vf_madd(p, r, vf_splat(5.0000001201e-1f));
  p = vf_madd(vf_mul(p, r), r, vf_add(r, vf_splat(1.0f)));
  vec_t e = vi_shl(vi_add(vi_trunc_any(n), vi_splat(127)), 23);
  return vf_mul(p, e);
}

static inline vec_t v_sigmoid(vec_t x) {
  vec_t one = vf_splat(1.0f);
  return vf_div(one, vf_add(one, v_exp(vf_neg(x))));
}

/* tanh: an odd polynomial below |x| < 0.625 (Cephes' tanhf coefficients), where 1 - 2/(e^2x + 1)
 * would lose relative precision, and that formula above. */
static inline vec_t v_tanh(vec_t x) {
  vec_t ax = vf_abs(x);
  vec_t s = vf_mul(x, x);
  vec_t p = vf_splat(-5.70498872745e-3f);
  p = vf_madd(p, s, vf_splat(2.06390887954e-2f));
  p = vf_madd(p, s, vf_splat(-5.37397155531e-2f));
  p = vf_madd(p, s, vf_splat(1.33314422036e-1f));
  p = vf_madd(p, s, vf_splat(-3.33332819422e-1f));
  vec_t small = vf_madd(vf_mul(p, s), x, x);
  vec_t one = vf_splat(1.0f);
  vec_t e = v_exp(vf_add(ax, ax));
  vec_t big = vf_sub(one, vf_div(vf_splat(2.0f), vf_add(e, one)));
  /* copy the sign of x onto the large-|x| branch */
  big = v_or(big, v_and(x, vi_splat((i32)0x80000000)));
  return vf_select_lt(small, big, ax, vf_splat(0.625f));
}

static inline vec_t v_act(i32 kind, vec_t x) {
  switch (kind) {
    case ACT_TANH: return v_tanh(x);
    case ACT_SIGMOID: return v_sigmoid(x);
    case ACT_HARD_SIGMOID: {
      vec_t y = vf_madd(x, vf_splat(0.2f), vf_splat(0.5f));
      return vf_min(vf_max(y, vf_splat(0.0f)), vf_splat(1.0f));
    }
    case ACT_RELU: return vf_max(x, vf_splat(0.0f));
    default: return x;
  }
}

/* The derivative of the activation, from its output y (every supported activation allows it).
 * hardSigmoid: 0.2 inside (0, 1), none where clipped (tfjs also passes it at exactly 0 and 1,
 * which the output cannot tell from clipped; a measure-zero difference); relu: none at 0, as tfjs. */
static inline vec_t v_dact(i32 kind, vec_t y) {
  vec_t one = vf_splat(1.0f);
  switch (kind) {
    case ACT_TANH: return vf_sub(one, vf_mul(y, y));
    case ACT_SIGMOID: return vf_mul(y, vf_sub(one, y));
    case ACT_HARD_SIGMOID:
      return v_and(vf_splat(0.2f), v_and(vf_gt(y, vf_splat(0.0f)),
                                                                  vf_lt(y, one)));
    case ACT_RELU: return v_and(one, vf_gt(y, vf_splat(0.0f)));
    default: return one;
  }
}

/* Scalar versions through the vector code, so a tail element gets the same value as a lane. */
static inline f32 s_act(i32 kind, f32 x) { return vf_first(v_act(kind, vf_splat(x))); }
static inline f32 s_dact(i32 kind, f32 y) { return vf_first(v_dact(kind, vf_splat(y))); }

/* p[0..n) = act(p[0..n)) */
static void act_inplace(i32 kind, f32 *p, i32 n) {
  if (kind == ACT_LINEAR) return;
  i32 k = 0;
  for (; k + VL <= n; k += VL) v_store(p + k, v_act(kind, v_load(p + k)));
  for (; k < n; k++) p[k] = s_act(kind, p[k]);
}

/* ---- small matrix products ------------------------------------------------------------------- */

#ifdef __wasm__
/*
 * C[m, n] += sum_k A(m, k) * B[k, n] for m < M, n < N, k < K, where A(m, k) = a[m*sam + k*sak]
 * (so A may be read transposed), B rows are ldb apart and C rows ldc apart (strides may be
 * negative). Tiles of 4 rows by 8 columns keep 8 accumulators in registers across k.
 */
static void gemm_acc(i32 M, i32 N, i32 K, const f32 *a, i32 sam, i32 sak, const f32 *b, i32 ldb,
                     f32 *c, i32 ldc) {
  i32 m = 0;
  for (; m + 4 <= M; m += 4) {
    const f32 *a0 = a + m * sam, *a1 = a0 + sam, *a2 = a1 + sam, *a3 = a2 + sam;
    f32 *c0 = c + m * ldc, *c1 = c0 + ldc, *c2 = c1 + ldc, *c3 = c2 + ldc;
    i32 n = 0;
    for (; n + 8 <= N; n += 8) {
      vec_t x00 = v_load(c0 + n), x01 = v_load(c0 + n + 4);
      vec_t x10 = v_load(c1 + n), x11 = v_load(c1 + n + 4);
      vec_t x20 = v_load(c2 + n), x21 = v_load(c2 + n + 4);
      vec_t x30 = v_load(c3 + n), x31 = v_load(c3 + n + 4);
      const f32 *bk = b + n;
      for (i32 k = 0; k < K; k++, bk += ldb) {
        vec_t b0 = v_load(bk), b1 = v_load(bk + 4);
        vec_t v;
        v = vf_splat(a0[k * sak]);
        x00 = vf_madd(v, b0, x00);
        x01 = vf_madd(v, b1, x01);
        v = vf_splat(a1[k * sak]);
        x10 = vf_madd(v, b0, x10);
        x11 = vf_madd(v, b1, x11);
        v = vf_splat(a2[k * sak]);
        x20 = vf_madd(v, b0, x20);
        x21 = vf_madd(v, b1, x21);
        v = vf_splat(a3[k * sak]);
        x30 = vf_madd(v, b0, x30);
        x31 = vf_madd(v, b1, x31);
      }
      v_store(c0 + n, x00), v_store(c0 + n + 4, x01);
      v_store(c1 + n, x10), v_store(c1 + n + 4, x11);
      v_store(c2 + n, x20), v_store(c2 + n + 4, x21);
      v_store(c3 + n, x30), v_store(c3 + n + 4, x31);
    }
    for (; n + 4 <= N; n += 4) {
      vec_t x0 = v_load(c0 + n), x1 = v_load(c1 + n);
      vec_t x2 = v_load(c2 + n), x3 = v_load(c3 + n);
      const f32 *bk = b + n;
      for (i32 k = 0; k < K; k++, bk += ldb) {
        vec_t b0 = v_load(bk);
        x0 = vf_madd(vf_splat(a0[k * sak]), b0, x0);
        x1 = vf_madd(vf_splat(a1[k * sak]), b0, x1);
        x2 = vf_madd(vf_splat(a2[k * sak]), b0, x2);
        x3 = vf_madd(vf_splat(a3[k * sak]), b0, x3);
      }
      v_store(c0 + n, x0), v_store(c1 + n, x1);
      v_store(c2 + n, x2), v_store(c3 + n, x3);
    }
    for (; n < N; n++) {
      f32 s0 = c0[n], s1 = c1[n], s2 = c2[n], s3 = c3[n];
      for (i32 k = 0; k < K; k++) {
        f32 bv = b[k * ldb + n];
        s0 += a0[k * sak] * bv, s1 += a1[k * sak] * bv, s2 += a2[k * sak] * bv, s3 += a3[k * sak] * bv;
      }
      c0[n] = s0, c1[n] = s1, c2[n] = s2, c3[n] = s3;
    }
  }
  for (; m < M; m++) {
    const f32 *a0 = a + m * sam;
    f32 *c0 = c + m * ldc;
    i32 n = 0;
    for (; n + 8 <= N; n += 8) {
      vec_t x0 = v_load(c0 + n), x1 = v_load(c0 + n + 4);
      const f32 *bk = b + n;
      for (i32 k = 0; k < K; k++, bk += ldb) {
        vec_t v = vf_splat(a0[k * sak]);
        x0 = vf_madd(v, v_load(bk), x0);
        x1 = vf_madd(v, v_load(bk + 4), x1);
      }
      v_store(c0 + n, x0), v_store(c0 + n + 4, x1);
    }
    for (; n + 4 <= N; n += 4) {
      vec_t x0 = v_load(c0 + n);
      const f32 *bk = b + n;
      for (i32 k = 0; k < K; k++, bk += ldb)
        x0 = vf_madd(vf_splat(a0[k * sak]), v_load(bk), x0);
      v_store(c0 + n, x0);
    }
    for (; n < N; n++) {
      f32 s0 = c0[n];
      for (i32 k = 0; k < K; k++) s0 += a0[k * sak] * b[k * ldb + n];
      c0[n] = s0;
    }
  }
}

#else
#include "gemm-x86.h"
#endif

/* dst[r, 0..N) = src[r, 0..N) for R rows (row strides lds, ldd) */
static void copy_rows(i32 R, i32 N, const f32 *src, i32 lds, f32 *dst, i32 ldd) {
  for (i32 r = 0; r < R; r++) {
    const f32 *s = src + r * lds;
    f32 *d = dst + r * ldd;
    i32 k = 0;
    for (; k + VL <= N; k += VL) v_store(d + k, v_load(s + k));
    for (; k < N; k++) d[k] = s[k];
  }
}

static void zero(f32 *p, i32 n) {
  i32 k = 0;
  for (; k + VL <= n; k += VL) v_store(p + k, vf_splat(0.0f));
  for (; k < n; k++) p[k] = 0.0f;
}

/* out[c, r] = in[r, c] for an R x C matrix */
static void transpose(i32 R, i32 C, const f32 *in, f32 *out) {
  for (i32 r = 0; r < R; r++)
    for (i32 c = 0; c < C; c++) out[c * R + r] = in[r * C + c];
}

static inline i32 in_time(i32 s, i32 T, i32 reverse) { return reverse ? T - 1 - s : s; }

/* ---- the input projection and its gradients ---------------------------------------------------- */

/* gates[b, s, :] = bias + x[b, t(s), :]·W for every row: one product per sequence (rows of x read
 * backwards when reversed). */
static void project_inputs(i32 B, i32 T, i32 F, i32 GH, const f32 *x, const f32 *w, const f32 *bias,
                           i32 reverse, f32 *gates) {
  for (i32 b = 0; b < B; b++) {
    f32 *g = gates + b * T * GH;
    for (i32 s = 0; s < T; s++) {
      if (bias) copy_rows(1, GH, bias, 0, g + s * GH, GH);
      else zero(g + s * GH, GH);
    }
    const f32 *x0 = x + (b * T + (reverse ? T - 1 : 0)) * F;
    gemm_acc(T, GH, F, x0, reverse ? -F : F, 1, w, GH, g, GH);
  }
}

/* From dz [B, T, GH] (processing order): dx = dz·W^T (input order), dw += x^T·dz, db += sum of dz
 * rows (db may be 0). wt: scratch [GH, F]. */
static void project_grads(i32 B, i32 T, i32 F, i32 GH, const f32 *x, const f32 *w, i32 reverse,
                          const f32 *dz, f32 *dx, f32 *dw, f32 *db, f32 *wt) {
  transpose(F, GH, w, wt);
  zero(dx, B * T * F);
  zero(dw, F * GH);
  if (db) zero(db, GH);
  for (i32 b = 0; b < B; b++) {
    const f32 *dzb = dz + b * T * GH;
    const i32 t0 = b * T + (reverse ? T - 1 : 0);
    const i32 step = reverse ? -F : F;
    gemm_acc(T, F, GH, dzb, GH, 1, wt, F, dx + t0 * F, step);
    gemm_acc(F, GH, T, x + t0 * F, 1, step, dzb, GH, dw, GH);
    if (db)
      for (i32 s = 0; s < T; s++) {
        const f32 *r = dzb + s * GH;
        i32 k = 0;
        for (; k + VL <= GH; k += VL) v_store(db + k, vf_add(v_load(db + k), v_load(r + k)));
        for (; k < GH; k++) db[k] += r[k];
      }
  }
}

/* du[:, cols] += sum over steps of h_prev^T dz[:, cols]: per batch row, step s >= 1 pairs hs[s-1]
 * with dz[s]; step 0 pairs h0. dz is in processing order, row stride ldz per step. */
static void recurrent_grad(i32 B, i32 T, i32 H, i32 N, const f32 *hs, const f32 *h0, const f32 *dz,
                           i32 GH, f32 *du) {
  for (i32 b = 0; b < B; b++)
    if (T > 1) gemm_acc(H, N, T - 1, hs + b * T * H, 1, H, dz + b * T * GH + GH, GH, du, GH);
  gemm_acc(H, N, B, h0, 1, H, dz, T * GH, du, GH);
}

/* ---- LSTM ------------------------------------------------------------------------------------ */

/*
 * Forward over the whole sequence. Per step: gates = x_t·W + b + h_prev·U (the first two for all
 * steps at once), i f o = recAct, g = act, c = f*c_prev + i*g, h = o*act(c); masked rows keep
 * h_prev and c_prev.
 */
EXPORT(lstm_forward)
void lstm_forward(i32 B, i32 T, i32 F, i32 H, i32 reverse, i32 act, i32 rec_act, const f32 *x,
                  const f32 *w, const f32 *u, const f32 *bias, const f32 *h0, const f32 *c0,
                  const f32 *mask, f32 *hs, f32 *cs, f32 *gates) {
  const i32 G = 4 * H, TH = T * H, TG = T * G;
  project_inputs(B, T, F, G, x, w, bias, reverse, gates);
  for (i32 s = 0; s < T; s++) {
    const i32 t = in_time(s, T, reverse);
    const f32 *hp = s == 0 ? h0 : hs + (s - 1) * H;
    const f32 *cp = s == 0 ? c0 : cs + (s - 1) * H;
    const i32 ldp = s == 0 ? H : TH; /* row stride of the previous state */
    f32 *g = gates + s * G;
    gemm_acc(B, G, H, hp, ldp, 1, u, G, g, TG);
    for (i32 b = 0; b < B; b++) {
      f32 *gb = g + b * TG;
      const f32 *hpb = hp + b * ldp, *cpb = cp + b * ldp;
      f32 *hb = hs + b * TH + s * H, *cb = cs + b * TH + s * H;
      act_inplace(rec_act, gb, 2 * H);    /* i, f */
      act_inplace(act, gb + 2 * H, H);    /* c candidate */
      act_inplace(rec_act, gb + 3 * H, H); /* o */
      const f32 *gi = gb, *gf = gb + H, *gc = gb + 2 * H, *go = gb + 3 * H;
      if (mask && mask[b * T + t] == 0.0f) {
        for (i32 k = 0; k < H; k++) hb[k] = hpb[k], cb[k] = cpb[k];
        continue;
      }
      i32 k = 0;
      for (; k + VL <= H; k += VL) {
        vec_t c = vf_madd(v_load(gf + k), v_load(cpb + k), vf_mul(v_load(gi + k), v_load(gc + k)));
        v_store(cb + k, c);
        v_store(hb + k, vf_mul(v_load(go + k), v_act(act, c)));
      }
      for (; k < H; k++) {
        f32 c = gf[k] * cpb[k] + gi[k] * gc[k];
        cb[k] = c;
        hb[k] = go[k] * s_act(act, c);
      }
    }
  }
}

/*
 * Backpropagation through time. dhs, dcs: gradients of hs and cs (processing order; dcs may be 0
 * for none, the usual case: only hs leaves the layer). Writes dx,
 * dw, du, db (if bias), dh0, dc0. Scratch: dz [B, T, G], wt [G, F], ut [G, H], dh, dc, dhn [B, H].
 */
EXPORT(lstm_backward)
void lstm_backward(i32 B, i32 T, i32 F, i32 H, i32 reverse, i32 act, i32 rec_act, const f32 *x,
                   const f32 *w, const f32 *u, const f32 *h0, const f32 *c0, const f32 *mask,
                   const f32 *hs, const f32 *cs, const f32 *gates, const f32 *dhs, const f32 *dcs,
                   f32 *dx, f32 *dw, f32 *du, f32 *db, f32 *dh0, f32 *dc0, f32 *dzs, f32 *wt, f32 *ut,
                   f32 *dh, f32 *dc, f32 *dhn) {
  const i32 G = 4 * H, TH = T * H, TG = T * G;
  transpose(H, G, u, ut);
  zero(dh, B * H);
  zero(dc, B * H);
  for (i32 s = T - 1; s >= 0; s--) {
    const i32 t = in_time(s, T, reverse);
    const f32 *cp = s == 0 ? c0 : cs + (s - 1) * H;
    const i32 ldp = s == 0 ? H : TH;
    f32 *dz = dzs + s * G;
    for (i32 b = 0; b < B; b++) {
      const f32 *gb = gates + b * TG + s * G;
      const f32 *gi = gb, *gf = gb + H, *gc = gb + 2 * H, *go = gb + 3 * H;
      const f32 *cb = cs + b * TH + s * H, *cpb = cp + b * ldp;
      const f32 *dhsb = dhs + b * TH + s * H, *dcsb = dcs ? dcs + b * TH + s * H : 0;
      f32 *dhb = dh + b * H, *dcb = dc + b * H, *dhnb = dhn + b * H;
      f32 *dzb = dz + b * TG;
      if (mask && mask[b * T + t] == 0.0f) {
        /* the step passed h and c through: their gradients go to the previous step whole */
        for (i32 k = 0; k < H; k++) {
          dhnb[k] = dhb[k] + dhsb[k];
          if (dcsb) dcb[k] = dcb[k] + dcsb[k];
        }
        zero(dzb, G);
        continue;
      }
      i32 k = 0;
      for (; k + VL <= H; k += VL) {
        vec_t dhv = vf_add(v_load(dhb + k), v_load(dhsb + k));
        vec_t ac = v_act(act, v_load(cb + k));
        vec_t o = v_load(go + k), i = v_load(gi + k);
        vec_t f = v_load(gf + k), g = v_load(gc + k);
        vec_t dc_in = v_load(dcb + k);
        if (dcsb) dc_in = vf_add(dc_in, v_load(dcsb + k));
        vec_t dcv = vf_madd(vf_mul(dhv, o), v_dact(act, ac), dc_in);
        v_store(dzb + k, vf_mul(vf_mul(dcv, g), v_dact(rec_act, i)));
        v_store(dzb + H + k,
                        vf_mul(vf_mul(dcv, v_load(cpb + k)), v_dact(rec_act, f)));
        v_store(dzb + 2 * H + k, vf_mul(vf_mul(dcv, i), v_dact(act, g)));
        v_store(dzb + 3 * H + k, vf_mul(vf_mul(dhv, ac), v_dact(rec_act, o)));
        v_store(dcb + k, vf_mul(dcv, f));
        v_store(dhnb + k, vf_splat(0.0f));
      }
      for (; k < H; k++) {
        f32 dhv = dhb[k] + dhsb[k];
        f32 ac = s_act(act, cb[k]);
        f32 dcv = dcb[k] + (dcsb ? dcsb[k] : 0.0f) + dhv * go[k] * s_dact(act, ac);
        dzb[k] = dcv * gc[k] * s_dact(rec_act, gi[k]);
        dzb[H + k] = dcv * cpb[k] * s_dact(rec_act, gf[k]);
        dzb[2 * H + k] = dcv * gi[k] * s_dact(act, gc[k]);
        dzb[3 * H + k] = dhv * ac * s_dact(rec_act, go[k]);
        dcb[k] = dcv * gf[k];
        dhnb[k] = 0.0f;
      }
    }
    /* gradient reaching h_prev through the recurrent kernel */
    gemm_acc(B, H, G, dz, TG, 1, ut, H, dhn, H);
    copy_rows(B, H, dhn, H, dh, H);
  }
  copy_rows(B, H, dh, H, dh0, H);
  copy_rows(B, H, dc, H, dc0, H);
  zero(du, H * G);
  recurrent_grad(B, T, H, G, hs, h0, dzs, G, du);
  project_grads(B, T, F, G, x, w, reverse, dzs, dx, dw, db, wt);
}

/* ---- GRU (reset gate before the matrix product, Keras' reset_after=false, tfjs' only form) ---- */

/*
 * Per step: z, r = recAct(x_t·W_zr + b_zr + h_prev·U_zr); hh = act(x_t·W_h + b_h + (r*h_prev)·U_h);
 * h = z*h_prev + (1-z)*hh. Scratch rh [B, H].
 */
EXPORT(gru_forward)
void gru_forward(i32 B, i32 T, i32 F, i32 H, i32 reverse, i32 act, i32 rec_act, const f32 *x,
                 const f32 *w, const f32 *u, const f32 *bias, const f32 *h0, const f32 *mask, f32 *hs,
                 f32 *gates, f32 *rh) {
  const i32 G = 3 * H, TH = T * H, TG = T * G;
  project_inputs(B, T, F, G, x, w, bias, reverse, gates);
  for (i32 s = 0; s < T; s++) {
    const i32 t = in_time(s, T, reverse);
    const f32 *hp = s == 0 ? h0 : hs + (s - 1) * H;
    const i32 ldp = s == 0 ? H : TH;
    f32 *g = gates + s * G;
    gemm_acc(B, 2 * H, H, hp, ldp, 1, u, G, g, TG);
    for (i32 b = 0; b < B; b++) {
      f32 *gb = g + b * TG;
      const f32 *hpb = hp + b * ldp;
      act_inplace(rec_act, gb, 2 * H);
      for (i32 k = 0; k < H; k++) rh[b * H + k] = gb[H + k] * hpb[k];
    }
    gemm_acc(B, H, H, rh, H, 1, u + 2 * H, G, g + 2 * H, TG);
    for (i32 b = 0; b < B; b++) {
      f32 *gb = g + b * TG;
      const f32 *hpb = hp + b * ldp;
      f32 *hb = hs + b * TH + s * H;
      act_inplace(act, gb + 2 * H, H);
      if (mask && mask[b * T + t] == 0.0f) {
        for (i32 k = 0; k < H; k++) hb[k] = hpb[k];
        continue;
      }
      const f32 *gz = gb, *gh = gb + 2 * H;
      i32 k = 0;
      for (; k + VL <= H; k += VL) {
        vec_t z = v_load(gz + k), hh = v_load(gh + k);
        /* z*h_prev + (1-z)*hh = hh + z*(h_prev - hh) */
        v_store(hb + k, vf_madd(z, vf_sub(v_load(hpb + k), hh), hh));
      }
      for (; k < H; k++) hb[k] = gh[k] + gz[k] * (hpb[k] - gh[k]);
    }
  }
}

/*
 * Backpropagation through time for gru_forward. Writes dx, dw, du, db (if bias), dh0. Scratch:
 * dz [B, T, G], wt [G, F], ut [G, H], dh, dhn, drh, rh [B, H].
 */
EXPORT(gru_backward)
void gru_backward(i32 B, i32 T, i32 F, i32 H, i32 reverse, i32 act, i32 rec_act, const f32 *x,
                  const f32 *w, const f32 *u, const f32 *h0, const f32 *mask, const f32 *hs,
                  const f32 *gates, const f32 *dhs, f32 *dx, f32 *dw, f32 *du, f32 *db, f32 *dh0, f32 *dzs, f32 *wt,
                  f32 *ut, f32 *dh, f32 *dhn, f32 *drh, f32 *rh) {
  const i32 G = 3 * H, TH = T * H, TG = T * G;
  transpose(H, G, u, ut);
  zero(dh, B * H);
  zero(du, H * G);
  for (i32 s = T - 1; s >= 0; s--) {
    const i32 t = in_time(s, T, reverse);
    const f32 *hp = s == 0 ? h0 : hs + (s - 1) * H;
    const i32 ldp = s == 0 ? H : TH;
    f32 *dz = dzs + s * G;
    /* first pass: total dh, the update gate's and the candidate's pre-activation gradients */
    for (i32 b = 0; b < B; b++) {
      const f32 *gb = gates + b * TG + s * G;
      const f32 *hpb = hp + b * ldp, *dhsb = dhs + b * TH + s * H;
      f32 *dhb = dh + b * H, *dzb = dz + b * TG;
      for (i32 k = 0; k < H; k++) dhb[k] += dhsb[k];
      if (mask && mask[b * T + t] == 0.0f) {
        zero(dzb, G);
        continue;
      }
      for (i32 k = 0; k < H; k++) {
        f32 z = gb[k], hh = gb[2 * H + k];
        dzb[k] = dhb[k] * (hpb[k] - hh) * s_dact(rec_act, z);
        dzb[2 * H + k] = dhb[k] * (1.0f - z) * s_dact(act, hh);
      }
    }
    /* gradient of r*h_prev through U_h */
    zero(drh, B * H);
    gemm_acc(B, H, H, dz + 2 * H, TG, 1, ut + 2 * H * H, H, drh, H);
    for (i32 b = 0; b < B; b++) {
      const f32 *gb = gates + b * TG + s * G;
      const f32 *hpb = hp + b * ldp;
      f32 *dhb = dh + b * H, *dhnb = dhn + b * H, *dzb = dz + b * TG, *drhb = drh + b * H;
      f32 *rhb = rh + b * H;
      if (mask && mask[b * T + t] == 0.0f) {
        for (i32 k = 0; k < H; k++) dhnb[k] = dhb[k], rhb[k] = 0.0f;
        continue;
      }
      for (i32 k = 0; k < H; k++) {
        f32 z = gb[k], r = gb[H + k];
        dzb[H + k] = drhb[k] * hpb[k] * s_dact(rec_act, r);
        dhnb[k] = dhb[k] * z + drhb[k] * r;
        rhb[k] = r * hpb[k];
      }
    }
    /* du_h += (r*h_prev)^T dz_h for this step */
    gemm_acc(H, H, B, rh, 1, H, dz + 2 * H, TG, du + 2 * H, G);
    /* gradient reaching h_prev through U_z and U_r */
    gemm_acc(B, H, 2 * H, dz, TG, 1, ut, H, dhn, H);
    copy_rows(B, H, dhn, H, dh, H);
  }
  copy_rows(B, H, dh, H, dh0, H);
  recurrent_grad(B, T, H, 2 * H, hs, h0, dzs, G, du);
  project_grads(B, T, F, G, x, w, reverse, dzs, dx, dw, db, wt);
}

/* ---- soft alignment (decomposable attention, ESIM, RE2) ---------------------------------------- */

/*
 * Per batch row, with sa [Ta, P], sb [Tb, P] the score inputs (the sequences or their projections),
 * a [Ta, D], b [Tb, D] the values, ma [Ta], mb [Tb] masks of 0/1 (0 for none) and s the scale:
 *   E = s · sa·sbᵀ [Ta, Tb]; pa = softmax over j of E (only where mb keeps j) [Ta, Tb];
 *   pb = softmax over i of Eᵀ (only where ma keeps i) [Tb, Ta];
 *   at = pa·b [Ta, D], bt = pb·a [Tb, D].
 * A masked place gets weight 0; a row with no kept place gets zeros (src/layers/align.ts does the
 * same with tfjs ops: -1e9 added to masked logits, then the weights times the mask).
 */

/* row[0..n) = softmax(s·row) over the places mask keeps (every place when mask is 0); all zero
 * when it keeps none. */
static void masked_softmax(f32 *row, i32 n, const f32 *mask, f32 s) {
  f32 max = -3.4e38f;
  i32 kept = 0;
  for (i32 j = 0; j < n; j++)
    if (!mask || mask[j] != 0.0f) {
      f32 v = s * row[j];
      if (!kept || v > max) max = v;
      kept = 1;
    }
  if (!kept) {
    zero(row, n);
    return;
  }
  const vec_t vs = vf_splat(s), vmax = vf_splat(max), vzero = vf_splat(0.0f);
  vec_t vsum = vzero;
  f32 sum = 0.0f;
  i32 j = 0;
  for (; j + VL <= n; j += VL) {
    vec_t w = v_exp(vf_sub(vf_mul(vs, v_load(row + j)), vmax));
    if (mask) w = v_and(w, vf_ne(v_load(mask + j), vzero));
    v_store(row + j, w);
    vsum = vf_add(vsum, w);
  }
  for (; j < n; j++) {
    f32 w = 0.0f;
    if (!mask || mask[j] != 0.0f) w = vf_first(v_exp(vf_splat(s * row[j] - max)));
    row[j] = w;
    sum += w;
  }
  sum += vf_hsum(vsum);
  const f32 inv = 1.0f / sum;
  const vec_t vinv = vf_splat(inv);
  j = 0;
  for (; j + VL <= n; j += VL) v_store(row + j, vf_mul(v_load(row + j), vinv));
  for (; j < n; j++) row[j] *= inv;
}

/* dp[0..n) = p ⊙ (dp - p·dp): the gradient of a softmax's logits from its weights' gradient (a
 * place of weight 0, masked or empty, gets none). */
static void softmax_grad(const f32 *p, f32 *dp, i32 n) {
  vec_t vdot = vf_splat(0.0f);
  f32 dot = 0.0f;
  i32 j = 0;
  for (; j + VL <= n; j += VL) vdot = vf_madd(v_load(p + j), v_load(dp + j), vdot);
  for (; j < n; j++) dot += p[j] * dp[j];
  dot += vf_hsum(vdot);
  const vec_t vd = vf_splat(dot);
  j = 0;
  for (; j + VL <= n; j += VL)
    v_store(dp + j, vf_mul(v_load(p + j), vf_sub(v_load(dp + j), vd)));
  for (; j < n; j++) dp[j] = p[j] * (dp[j] - dot);
}

static void scale_inplace(f32 *p, i32 n, f32 s) {
  const vec_t vs = vf_splat(s);
  i32 k = 0;
  for (; k + VL <= n; k += VL) v_store(p + k, vf_mul(v_load(p + k), vs));
  for (; k < n; k++) p[k] *= s;
}

/*
 * Forward. scale [1]. Writes at [B, Ta, D], bt [B, Tb, D] and the weights pa [B, Ta, Tb],
 * pb [B, Tb, Ta] (kept for the backward pass). Scratch: sbt [P, Tb].
 */
EXPORT(align_forward)
void align_forward(i32 B, i32 Ta, i32 Tb, i32 P, i32 D, const f32 *sa, const f32 *sb, const f32 *a,
                   const f32 *b, const f32 *ma, const f32 *mb, const f32 *scale, f32 *at, f32 *bt,
                   f32 *pa, f32 *pb, f32 *sbt) {
  const f32 s = scale[0];
  for (i32 n = 0; n < B; n++) {
    const f32 *san = sa + n * Ta * P, *sbn = sb + n * Tb * P;
    const f32 *an = a + n * Ta * D, *bn = b + n * Tb * D;
    const f32 *man = ma ? ma + n * Ta : 0, *mbn = mb ? mb + n * Tb : 0;
    f32 *pan = pa + n * Ta * Tb, *pbn = pb + n * Tb * Ta;
    f32 *atn = at + n * Ta * D, *btn = bt + n * Tb * D;
    /* the unscaled scores sa·sbᵀ into pa, and transposed into pb */
    transpose(Tb, P, sbn, sbt);
    zero(pan, Ta * Tb);
    gemm_acc(Ta, Tb, P, san, P, 1, sbt, Tb, pan, Tb);
    transpose(Ta, Tb, pan, pbn);
    for (i32 i = 0; i < Ta; i++) masked_softmax(pan + i * Tb, Tb, mbn, s);
    for (i32 j = 0; j < Tb; j++) masked_softmax(pbn + j * Ta, Ta, man, s);
    zero(atn, Ta * D);
    gemm_acc(Ta, D, Tb, pan, Tb, 1, bn, D, atn, D);
    zero(btn, Tb * D);
    gemm_acc(Tb, D, Ta, pbn, Ta, 1, an, D, btn, D);
  }
}

/*
 * Backward, from dat [B, Ta, D] and dbt [B, Tb, D]: dsa, dsb (of the score inputs), da, db (of the
 * values, through the weighted sums only) and dscale [1] (summed over the rows). With dE the
 * gradient of the scaled scores: dsa = s · dE·sb, dsb = s · dEᵀ·sa, dscale = Σ dE ⊙ (sa·sbᵀ)
 * = Σ_i sa_i · (dE·sb)_i. Scratch: de [Ta, Tb], dpb [Tb, Ta], tr [max(D, P) · max(Ta, Tb)].
 */
EXPORT(align_backward)
void align_backward(i32 B, i32 Ta, i32 Tb, i32 P, i32 D, const f32 *sa, const f32 *sb, const f32 *a,
                    const f32 *b, const f32 *scale, const f32 *pa, const f32 *pb, const f32 *dat,
                    const f32 *dbt, f32 *dsa, f32 *dsb, f32 *da, f32 *db, f32 *dscale, f32 *de,
                    f32 *dpb, f32 *tr) {
  const f32 s = scale[0];
  f32 ds = 0.0f;
  for (i32 n = 0; n < B; n++) {
    const f32 *san = sa + n * Ta * P, *sbn = sb + n * Tb * P;
    const f32 *an = a + n * Ta * D, *bn = b + n * Tb * D;
    const f32 *pan = pa + n * Ta * Tb, *pbn = pb + n * Tb * Ta;
    const f32 *datn = dat + n * Ta * D, *dbtn = dbt + n * Tb * D;
    f32 *dsan = dsa + n * Ta * P, *dsbn = dsb + n * Tb * P;
    f32 *dan = da + n * Ta * D, *dbn = db + n * Tb * D;
    /* through at = pa·b: d(pa) = dat·bᵀ, db = paᵀ·dat */
    transpose(Tb, D, bn, tr);
    zero(de, Ta * Tb);
    gemm_acc(Ta, Tb, D, datn, D, 1, tr, Tb, de, Tb);
    zero(dbn, Tb * D);
    gemm_acc(Tb, D, Ta, pan, 1, Tb, datn, D, dbn, D);
    /* through bt = pb·a: d(pb) = dbt·aᵀ, da = pbᵀ·dbt */
    transpose(Ta, D, an, tr);
    zero(dpb, Tb * Ta);
    gemm_acc(Tb, Ta, D, dbtn, D, 1, tr, Ta, dpb, Ta);
    zero(dan, Ta * D);
    gemm_acc(Ta, D, Tb, pbn, 1, Ta, dbtn, D, dan, D);
    /* through the two softmaxes, added up as the gradient of the scaled scores E */
    for (i32 i = 0; i < Ta; i++) softmax_grad(pan + i * Tb, de + i * Tb, Tb);
    for (i32 j = 0; j < Tb; j++) softmax_grad(pbn + j * Ta, dpb + j * Ta, Ta);
    for (i32 i = 0; i < Ta; i++)
      for (i32 j = 0; j < Tb; j++) de[i * Tb + j] += dpb[j * Ta + i];
    /* dE·sb, then dscale from it, then dsa and dsb */
    zero(dsan, Ta * P);
    gemm_acc(Ta, P, Tb, de, Tb, 1, sbn, P, dsan, P);
    for (i32 k = 0; k < Ta * P; k++) ds += dsan[k] * san[k];
    scale_inplace(dsan, Ta * P, s);
    zero(dsbn, Tb * P);
    gemm_acc(Tb, P, Ta, de, 1, Tb, san, P, dsbn, P);
    scale_inplace(dsbn, Tb * P, s);
  }
  dscale[0] = ds;
}

/* ---- the matrix product alone, for the bench ---------------------------------------------------- */

/* c [M, N] += a [M, K] · b [K, N], reps times: what this build's matrix product reaches
 * (bench/train.ts prints it as the bound that training and prediction are a share of). */
EXPORT(gemm_repeat)
void gemm_repeat(i32 M, i32 N, i32 K, i32 reps, const f32 *a, const f32 *b, f32 *c) {
  for (i32 r = 0; r < reps; r++) gemm_acc(M, N, K, a, K, 1, b, N, c, N);
}

#ifndef __wasm__
#include "x86-entry.h"
#endif
