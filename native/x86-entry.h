/*
 * The one visible function of an x86-64 build of rnn.c (native/build-addon.sh builds rnn.c once
 * per instruction set and names this function for each: -DQQP_ENTRY=qqp_run_avx2, ...; the kernels
 * themselves are static there, see EXPORT in rnn.c). native/addon.c calls it.
 *
 * fn: the kernel, by its index in QQP_KERNEL_NAMES (addon.c); base: the memory the arguments'
 * pointers point into, and ext a second memory (tfjs' own, whose arrays are used where they are) or
 * NULL; a: the arguments in the C function's order, as the WebAssembly module takes them: integers
 * as they are, pointers as byte offsets, positive from base, negative (negated) from ext, 0 for a
 * null pointer. Returns 0, or -1 for an unknown fn.
 */
#define I(k) ((i32)a[k])
#define P(k) (a[k] > 0 ? (f32 *)(base + a[k]) : a[k] < 0 ? (f32 *)(ext - (long)a[k]) : (f32 *)0)

int QQP_ENTRY(i32 fn, char *base, char *ext, const i32 *a);
int QQP_ENTRY(i32 fn, char *base, char *ext, const i32 *a) {
  switch (fn) {
    case 0:
      lstm_forward(I(0), I(1), I(2), I(3), I(4), I(5), I(6), P(7), P(8), P(9), P(10), P(11), P(12),
                   P(13), P(14), P(15), P(16));
      return 0;
    case 1:
      lstm_backward(I(0), I(1), I(2), I(3), I(4), I(5), I(6), P(7), P(8), P(9), P(10), P(11), P(12),
                    P(13), P(14), P(15), P(16), P(17), P(18), P(19), P(20), P(21), P(22), P(23),
                    P(24), P(25), P(26), P(27), P(28), P(29));
      return 0;
    case 2:
      gru_forward(I(0), I(1), I(2), I(3), I(4), I(5), I(6), P(7), P(8), P(9), P(10), P(11), P(12),
                  P(13), P(14), P(15));
      return 0;
    case 3:
      gru_backward(I(0), I(1), I(2), I(3), I(4), I(5), I(6), P(7), P(8), P(9), P(10), P(11), P(12),
                   P(13), P(14), P(15), P(16), P(17), P(18), P(19), P(20), P(21), P(22), P(23),
                   P(24), P(25), P(26));
      return 0;
    case 4:
      align_forward(I(0), I(1), I(2), I(3), I(4), P(5), P(6), P(7), P(8), P(9), P(10), P(11),
                    P(12), P(13), P(14), P(15), P(16));
      return 0;
    case 5:
      align_backward(I(0), I(1), I(2), I(3), I(4), P(5), P(6), P(7), P(8), P(9), P(10), P(11),
                     P(12), P(13), P(14), P(15), P(16), P(17), P(18), P(19), P(20), P(21));
      return 0;
    case 6:
      gemm_repeat(I(0), I(1), I(2), I(3), P(4), P(5), P(6));
      return 0;
    default:
      return -1;
  }
}
#undef I
#undef P
