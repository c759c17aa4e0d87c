/*
 * qqp's native kernels: a Node-API addon around the x86-64 builds of native/rnn.c (the same C as
 * native/rnn.wasm, with FMA matrix products on 256-bit or 512-bit vectors, native/gemm-x86.h),
 * built by native/build-addon.sh into native/qqp-kernels.linux-x64.node, which is committed.
 * Node-API is ABI-stable: one build loads in every Node version from 18 on.
 *
 * JavaScript (src/backend/kernels/native-runtime.ts) lays every array out in one ArrayBuffer,
 * exactly as it lays them out in the WebAssembly module's memory, and calls
 *   run(isa, fn, heap, args, parts)
 * with args holding `parts` rows of the function's arguments (pointers as byte offsets into heap,
 * 0 for null; run(..., ext) also takes arrays where they are in a second memory, tfjs' own, with
 * negative offsets into it): part 0 runs on the calling thread, the others on threads of a pool kept here
 * (started on first use, never stopped; a part cannot fail, so a call always waits for every part).
 * The event loop is blocked for the call, so the heap cannot move or be collected meanwhile.
 *   isas() lists the instruction sets this CPU runs, best first ("avx512", "avx2"); empty when it
 *   has neither AVX2 with FMA nor AVX-512F, and then qqp uses the WebAssembly kernels.
 *   adam(arrays, constants, parts) is Adam's update of many tensors in one call, on the same pool,
 *   reading and writing the arrays where they are (src/backend/kernels/adam.ts; js_adam below).
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int (*entry_t)(int32_t fn, char *base, char *ext, const int32_t *args);
int qqp_run_avx2(int32_t fn, char *base, char *ext, const int32_t *args);
int qqp_run_avx512(int32_t fn, char *base, char *ext, const int32_t *args);

enum { ISA_AVX512 = 0, ISA_AVX2 = 1, ISA_COUNT = 2 };
static const char *const ISA_NAMES[ISA_COUNT] = {"avx512", "avx2"};
static const entry_t ENTRIES[ISA_COUNT] = {qqp_run_avx512, qqp_run_avx2};

/* The functions of rnn.c, in the order of x86-entry.h's switch; each with its argument count. */
static const char *const KERNEL_NAMES[] = {"lstm_forward",  "lstm_backward",  "gru_forward", "gru_backward",
                                           "align_forward", "align_backward", "gemm_repeat"};
static const int32_t KERNEL_ARGS[] = {17, 30, 16, 27, 17, 22, 7};
#define KERNEL_COUNT ((int32_t)(sizeof KERNEL_ARGS / sizeof KERNEL_ARGS[0]))
/* The first pointer argument of each (those before it are integers). */
static const int32_t KERNEL_FIRST_POINTER[] = {7, 7, 7, 7, 5, 5, 4};

static int isa_supported(int isa) {
  __builtin_cpu_init();
  if (isa == ISA_AVX512) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* ---- the thread pool --------------------------------------------------------------------------- */

#define MAX_THREADS 64

/* A part of a call: work(ctx, part) for part = 0 .. parts-1. */
typedef void (*work_t)(const void *ctx, int part);

typedef struct {
  work_t work;
  const void *ctx;
  int part;
  int posted;
} job_t;

static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER; /* one call at a time */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_ready = PTHREAD_COND_INITIALIZER;
static pthread_cond_t work_done = PTHREAD_COND_INITIALIZER;
static job_t jobs[MAX_THREADS];
/* Written under lock (so a sleeper cannot miss a change), read by spinners without it. */
static _Atomic unsigned long generation = 0;
static _Atomic int pending = 0;
static int started = 0;
/*
 * How long a pool thread (for new work) and the caller (for the pool's parts) spin before they
 * sleep on a condition variable: a call's parts are short (a fraction of a millisecond at batch 16)
 * and waking a sleeping thread can take as long on a virtual machine, so each side polls first,
 * about 20,000 pause instructions (tens of microseconds to a millisecond, by CPU). Only speed
 * depends on it: a part is always waited for until it is done.
 */
#define SPIN 20000
/* The generation each pool thread has seen, set before it starts (under lock), so that a thread
 * started for a call sees that call's generation as new, however late it first runs. */
static unsigned long seen_at_start[MAX_THREADS];

static void *pool_thread(void *arg) {
  const int i = (int)(intptr_t)arg;
  pthread_mutex_lock(&lock);
  unsigned long seen = seen_at_start[i];
  pthread_mutex_unlock(&lock);
  for (;;) {
    for (int k = 0; k < SPIN && atomic_load(&generation) == seen; k++) _mm_pause();
    pthread_mutex_lock(&lock);
    while (atomic_load(&generation) == seen) pthread_cond_wait(&work_ready, &lock);
    seen = atomic_load(&generation);
    const job_t job = jobs[i];
    jobs[i].posted = 0;
    pthread_mutex_unlock(&lock);
    if (!job.posted) continue;
    job.work(job.ctx, job.part);
    if (atomic_fetch_sub(&pending, 1) == 1) {
      pthread_mutex_lock(&lock);
      pthread_cond_signal(&work_done);
      pthread_mutex_unlock(&lock);
    }
  }
  return NULL;
}

/* Starts pool threads until there are n; returns how many there are. */
static int ensure_threads(int n) {
  while (started < n) {
    pthread_t t;
    seen_at_start[started] = atomic_load(&generation);
    if (pthread_create(&t, NULL, pool_thread, (void *)(intptr_t)started) != 0) break;
    pthread_detach(t);
    started++;
  }
  return started;
}

/* Runs parts 1..parts-1 on the pool (as many as it has threads for; the rest here) and part 0 here. */
static void run_parts(work_t work, const void *ctx, int parts) {
  pthread_mutex_lock(&call_lock);
  pthread_mutex_lock(&lock);
  const int pooled = parts > 1 ? ensure_threads(parts - 1 < MAX_THREADS ? parts - 1 : MAX_THREADS) : 0;
  const int on_pool = parts - 1 < pooled ? parts - 1 : pooled;
  for (int p = 1; p <= on_pool; p++) jobs[p - 1] = (job_t){work, ctx, p, 1};
  atomic_store(&pending, on_pool);
  if (on_pool > 0) {
    atomic_fetch_add(&generation, 1);
    pthread_cond_broadcast(&work_ready);
  }
  pthread_mutex_unlock(&lock);
  work(ctx, 0);
  for (int p = on_pool + 1; p < parts; p++) work(ctx, p);
  for (int k = 0; k < SPIN && atomic_load(&pending) > 0; k++) _mm_pause();
  pthread_mutex_lock(&lock);
  while (atomic_load(&pending) > 0) pthread_cond_wait(&work_done, &lock);
  pthread_mutex_unlock(&lock);
  pthread_mutex_unlock(&call_lock);
}

/* ---- kernel calls: part p runs the function on its own row of arguments ----------------------- */

typedef struct {
  entry_t entry;
  int32_t fn;
  char *base;
  char *ext;
  const int32_t *args;
  int32_t nargs;
} kernel_call_t;

static void kernel_part(const void *ctx, int part) {
  const kernel_call_t *c = (const kernel_call_t *)ctx;
  c->entry(c->fn, c->base, c->ext, c->args + (size_t)part * (size_t)c->nargs);
}

/* ---- the fused Adam update ------------------------------------------------------------------------ */

/*
 * One Adam step over every weight tensor, the moments in place: for each element, in float32 and in the order
 * of tfjs' AdamOptimizer.applyGradients (so the results are the same to the bit; this file is
 * compiled as ISO C, so no multiply-add is contracted into an FMA):
 *   m = m*beta1 + g*(1-beta1);  v = v*beta2 + (g*g)*(1-beta2);
 *   w = ((m / (1-beta1^t)) / (sqrt(v / (1-beta2^t)) + epsilon)) * -lr + w
 * The constants arrive as float32, computed by the caller as tfjs computes them.
 */
enum { C_BETA1, C_ONE_MINUS_BETA1, C_BETA2, C_ONE_MINUS_BETA2, C_BIAS1, C_BIAS2, C_EPSILON, C_NEG_LR, C_COUNT };

typedef struct {
  const float *w;
  const float *g;
  float *m;
  float *v;
  float *out; /* the new weights: w itself, or other memory */
  size_t n;
} adam_tensor_t;

typedef struct {
  const adam_tensor_t *tensors;
  int count;
  size_t total;
  int parts;
  float c[C_COUNT];
} adam_call_t;

__attribute__((target("avx2"))) static void adam_span(const adam_tensor_t *t, size_t from, size_t to, const float *c) {
  const __m256 b1 = _mm256_set1_ps(c[C_BETA1]), omb1 = _mm256_set1_ps(c[C_ONE_MINUS_BETA1]);
  const __m256 b2 = _mm256_set1_ps(c[C_BETA2]), omb2 = _mm256_set1_ps(c[C_ONE_MINUS_BETA2]);
  const __m256 bias1 = _mm256_set1_ps(c[C_BIAS1]), bias2 = _mm256_set1_ps(c[C_BIAS2]);
  const __m256 eps = _mm256_set1_ps(c[C_EPSILON]), nlr = _mm256_set1_ps(c[C_NEG_LR]);
  size_t i = from;
  for (; i + 8 <= to; i += 8) {
    const __m256 g = _mm256_loadu_ps(t->g + i);
    const __m256 m = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(t->m + i), b1), _mm256_mul_ps(g, omb1));
    const __m256 v =
        _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(t->v + i), b2), _mm256_mul_ps(_mm256_mul_ps(g, g), omb2));
    _mm256_storeu_ps(t->m + i, m);
    _mm256_storeu_ps(t->v + i, v);
    const __m256 den = _mm256_add_ps(_mm256_sqrt_ps(_mm256_div_ps(v, bias2)), eps);
    const __m256 step = _mm256_mul_ps(_mm256_div_ps(_mm256_div_ps(m, bias1), den), nlr);
    _mm256_storeu_ps(t->out + i, _mm256_add_ps(step, _mm256_loadu_ps(t->w + i)));
  }
  for (; i < to; i++) {
    const float g = t->g[i];
    const float m = t->m[i] * c[C_BETA1] + g * c[C_ONE_MINUS_BETA1];
    const float v = t->v[i] * c[C_BETA2] + (g * g) * c[C_ONE_MINUS_BETA2];
    t->m[i] = m;
    t->v[i] = v;
    const float den = _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(v / c[C_BIAS2]))) + c[C_EPSILON];
    t->out[i] = ((m / c[C_BIAS1]) / den) * c[C_NEG_LR] + t->w[i];
  }
}

/* Part p updates elements [p*total/parts, (p+1)*total/parts) of the tensors laid end to end. */
static void adam_part(const void *ctx, int part) {
  const adam_call_t *a = (const adam_call_t *)ctx;
  const size_t from = a->total * (size_t)part / (size_t)a->parts;
  const size_t to = a->total * (size_t)(part + 1) / (size_t)a->parts;
  size_t at = 0;
  for (int k = 0; k < a->count && at < to; k++) {
    const adam_tensor_t *t = &a->tensors[k];
    const size_t lo = from > at ? from - at : 0;
    const size_t hi = to - at < t->n ? to - at : t->n;
    if (lo < hi) adam_span(t, lo, hi, a->c);
    at += t->n;
  }
}

/* ---- Node-API ---------------------------------------------------------------------------------- */

static napi_value fail(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* A JavaScript array of the names whose keep[k] is set (every name when keep is NULL), in order. */
static napi_value name_list(napi_env env, const char *const *names, int count, const int *keep) {
  napi_value list;
  if (napi_create_array(env, &list) != napi_ok) return NULL;
  uint32_t n = 0;
  for (int k = 0; k < count; k++) {
    if (keep && !keep[k]) continue;
    napi_value name;
    if (napi_create_string_utf8(env, names[k], NAPI_AUTO_LENGTH, &name) != napi_ok) return NULL;
    if (napi_set_element(env, list, n++, name) != napi_ok) return NULL;
  }
  return list;
}

static napi_value js_isas(napi_env env, napi_callback_info info) {
  (void)info;
  int supported[ISA_COUNT];
  for (int isa = 0; isa < ISA_COUNT; isa++) supported[isa] = isa_supported(isa);
  return name_list(env, ISA_NAMES, ISA_COUNT, supported);
}

static napi_value js_kernels(napi_env env, napi_callback_info info) {
  (void)info;
  return name_list(env, KERNEL_NAMES, KERNEL_COUNT, NULL);
}

/*
 * run(isa: string, fn: string, heap: ArrayBuffer, args: Int32Array, parts: number, ext?: ArrayBuffer)
 * ext: a second memory whose arrays the arguments point into with negative offsets (x86-entry.h).
 */
static napi_value js_run(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc != 5 && argc != 6) return fail(env, "run(isa, fn, heap, args, parts, ext?) takes 5 or 6 arguments");

  char name[32];
  size_t len;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok)
    return fail(env, "isa must be a string");
  int isa = -1;
  for (int k = 0; k < ISA_COUNT; k++)
    if (strcmp(name, ISA_NAMES[k]) == 0) isa = k;
  if (isa < 0) return fail(env, "unknown isa");
  if (!isa_supported(isa)) return fail(env, "this CPU does not run that isa");

  if (napi_get_value_string_utf8(env, argv[1], name, sizeof name, &len) != napi_ok)
    return fail(env, "fn must be a string");
  int32_t fn = -1;
  for (int32_t k = 0; k < KERNEL_COUNT; k++)
    if (strcmp(name, KERNEL_NAMES[k]) == 0) fn = k;
  if (fn < 0) return fail(env, "unknown kernel function");

  void *heap;
  size_t heap_bytes;
  if (napi_get_arraybuffer_info(env, argv[2], &heap, &heap_bytes) != napi_ok)
    return fail(env, "heap must be an ArrayBuffer");
  void *ext = NULL;
  size_t ext_bytes = 0;
  if (argc == 6 && napi_get_arraybuffer_info(env, argv[5], &ext, &ext_bytes) != napi_ok)
    return fail(env, "ext must be an ArrayBuffer");

  napi_typedarray_type type;
  size_t count;
  void *data;
  if (napi_get_typedarray_info(env, argv[3], &type, &count, &data, NULL, NULL) != napi_ok ||
      type != napi_int32_array)
    return fail(env, "args must be an Int32Array");

  int32_t parts;
  if (napi_get_value_int32(env, argv[4], &parts) != napi_ok || parts < 1)
    return fail(env, "parts must be a positive integer");
  const int32_t nargs = KERNEL_ARGS[fn];
  if (count != (size_t)parts * (size_t)nargs) return fail(env, "args must hold parts rows of the function's arguments");

  const int32_t *args = (const int32_t *)data;
  /* Every pointer must land inside the heap (its extent is the caller's layout's business). */
  for (int32_t p = 0; p < parts; p++)
    for (int32_t k = KERNEL_FIRST_POINTER[fn]; k < nargs; k++) {
      const int32_t off = args[(size_t)p * (size_t)nargs + (size_t)k];
      if (off >= 0 ? (size_t)off >= heap_bytes : (size_t)(-(int64_t)off) >= ext_bytes)
        return fail(env, "a pointer argument is outside the heap");
    }

  const kernel_call_t call = {ENTRIES[isa], fn, (char *)heap, (char *)ext, args, nargs};
  run_parts(kernel_part, &call, parts);
  return NULL;
}

/* A Float32Array's elements, or NULL (with *n unset) when the value is not one. */
static float *float32_elements(napi_env env, napi_value value, size_t *n) {
  napi_typedarray_type type;
  void *data;
  if (napi_get_typedarray_info(env, value, &type, n, &data, NULL, NULL) != napi_ok || type != napi_float32_array)
    return NULL;
  return (float *)data;
}

/*
 * adam(arrays: Float32Array[], constants: Float32Array, parts: number): one Adam step over
 * tensors given five arrays each, all of one length: weights, gradient, first moment, second
 * moment (both updated in place) and where the new weights go (the weights' own array, or another),
 * with constants in the order of C_* above; the elements are split over `parts` threads. The
 * arrays may be views of any memory (tfjs' wasm heap, the cpu backend's arrays): nothing is
 * copied. The caller makes sure that no two of them overlap, but for weights and new weights.
 */
static napi_value js_adam(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc != 3) return fail(env, "adam(arrays, constants, parts) takes 3 arguments");
  uint32_t len;
  bool is_array;
  if (napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[0], &len) != napi_ok || len % 5 != 0)
    return fail(env, "arrays must be an array of 5 Float32Arrays per tensor");
  size_t nc;
  const float *c = float32_elements(env, argv[1], &nc);
  if (!c || nc != C_COUNT) return fail(env, "constants must be a Float32Array of 8");
  int32_t parts;
  if (napi_get_value_int32(env, argv[2], &parts) != napi_ok || parts < 1)
    return fail(env, "parts must be a positive integer");

  const int count = (int)(len / 5);
  adam_tensor_t *tensors = malloc(sizeof(adam_tensor_t) * (count > 0 ? (size_t)count : 1));
  if (!tensors) return fail(env, "out of memory");
  adam_call_t call = {tensors, count, 0, parts, {0}};
  memcpy(call.c, c, sizeof call.c);
  for (int k = 0; k < count; k++) {
    float *a[5];
    size_t n[5];
    for (int j = 0; j < 5; j++) {
      napi_value element;
      if (napi_get_element(env, argv[0], (uint32_t)(5 * k + j), &element) != napi_ok ||
          !(a[j] = float32_elements(env, element, &n[j]))) {
        free(tensors);
        return fail(env, "arrays must hold Float32Arrays");
      }
    }
    if (n[1] != n[0] || n[2] != n[0] || n[3] != n[0] || n[4] != n[0]) {
      free(tensors);
      return fail(env, "the five arrays of a tensor must have one length");
    }
    tensors[k] = (adam_tensor_t){a[0], a[1], a[2], a[3], a[4], n[0]};
    call.total += n[0];
  }
  if ((size_t)parts > call.total) call.parts = call.total > 0 ? (int)call.total : 1;
  run_parts(adam_part, &call, call.parts);
  free(tensors);
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  const napi_property_descriptor props[] = {
      {"isas", NULL, js_isas, NULL, NULL, NULL, napi_default, NULL},
      {"kernels", NULL, js_kernels, NULL, NULL, NULL, napi_default, NULL},
      {"run", NULL, js_run, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, js_adam, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
