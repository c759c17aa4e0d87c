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
 * 0 for null): part 0 runs on the calling thread, the others on threads of a pool kept here
 * (started on first use, never stopped; a part cannot fail, so a call always waits for every part).
 * The event loop is blocked for the call, so the heap cannot move or be collected meanwhile.
 *   isas() lists the instruction sets this CPU runs, best first ("avx512", "avx2"); empty when it
 *   has neither AVX2 with FMA nor AVX-512F, and then qqp uses the WebAssembly kernels.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

typedef int (*entry_t)(int32_t fn, char *base, const int32_t *args);
int qqp_run_avx2(int32_t fn, char *base, const int32_t *args);
int qqp_run_avx512(int32_t fn, char *base, const int32_t *args);

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

typedef struct {
  entry_t entry;
  int32_t fn;
  char *base;
  const int32_t *args;
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
    job.entry(job.fn, job.base, job.args);
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
static void run_parts(entry_t entry, int32_t fn, char *base, const int32_t *args, int32_t nargs, int parts) {
  pthread_mutex_lock(&call_lock);
  pthread_mutex_lock(&lock);
  const int pooled = parts > 1 ? ensure_threads(parts - 1 < MAX_THREADS ? parts - 1 : MAX_THREADS) : 0;
  const int on_pool = parts - 1 < pooled ? parts - 1 : pooled;
  for (int p = 1; p <= on_pool; p++)
    jobs[p - 1] = (job_t){entry, fn, base, args + (size_t)p * (size_t)nargs, 1};
  atomic_store(&pending, on_pool);
  if (on_pool > 0) {
    atomic_fetch_add(&generation, 1);
    pthread_cond_broadcast(&work_ready);
  }
  pthread_mutex_unlock(&lock);
  entry(fn, base, args);
  for (int p = on_pool + 1; p < parts; p++) entry(fn, base, args + (size_t)p * (size_t)nargs);
  for (int k = 0; k < SPIN && atomic_load(&pending) > 0; k++) _mm_pause();
  pthread_mutex_lock(&lock);
  while (atomic_load(&pending) > 0) pthread_cond_wait(&work_done, &lock);
  pthread_mutex_unlock(&lock);
  pthread_mutex_unlock(&call_lock);
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

/* run(isa: string, fn: string, heap: ArrayBuffer, args: Int32Array, parts: number) */
static napi_value js_run(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc != 5) return fail(env, "run(isa, fn, heap, args, parts) takes 5 arguments");

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
      if (off < 0 || (size_t)off >= heap_bytes) return fail(env, "a pointer argument is outside the heap");
    }

  run_parts(ENTRIES[isa], fn, (char *)heap, args, nargs, parts);
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  const napi_property_descriptor props[] = {
      {"isas", NULL, js_isas, NULL, NULL, NULL, napi_default, NULL},
      {"kernels", NULL, js_kernels, NULL, NULL, NULL, napi_default, NULL},
      {"run", NULL, js_run, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
