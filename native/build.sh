#!/bin/sh
# Rebuilds native/rnn.wasm and native/rnn-relaxed.wasm from native/rnn.c: qqp's fused LSTM/GRU and
# align kernels in WebAssembly SIMD. rnn.wasm is plain SIMD (-msimd128), which every Node qqp
# supports runs; rnn-relaxed.wasm adds relaxed SIMD (-mrelaxed-simd: the matrix products' multiply-
# adds fused, simd.h's vf_madd), which Node 22 and later run by default and Node 20 only with
# --experimental-wasm-relaxed-simd; src/backend/kernels/wasm-simd.ts picks one (QQP_WASM_SIMD).
# Needs clang and wasm-ld for wasm32 (Debian: apt-get install -y clang lld), and node: clang 14
# encodes the relaxed multiply-add with the prototype's opcode, which native/relaxed-opcodes.mjs
# renumbers to the finished proposal's. The built modules are committed, so a fresh clone works
# without them; with the same clang (Debian 14.0.6) this rebuilds both byte for byte
# (test/backend/kernels/rnn-wasm-build.test.ts checks it where clang is installed).
#
# Each module imports a shared memory (at most 1 GiB) so that worker threads can run the same
# kernels on other rows of a batch (src/backend/kernels/wasm-runtime.ts; the argument tables in
# rnn-wasm.ts and align-wasm.ts). It has no libc and uses no stack, so instances on several threads
# do not collide.
# Usage: native/build.sh [plain output [relaxed output]], by default native/rnn.wasm and
# native/rnn-relaxed.wasm; relative paths are relative to native/
set -eu
cd "$(dirname "$0")"
CLANG="${CLANG:-clang}"
build() {
  "$CLANG" --target=wasm32 -O3 -msimd128 "$@" -matomics -mbulk-memory -nostdlib -ffreestanding -fno-builtin \
    -Wall -Wextra -Werror \
    -Wl,--no-entry -Wl,--export=__heap_base -Wl,--strip-all \
    -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=1073741824 \
    -Wl,-z,stack-size=65536 -Wl,--initial-memory=1048576 \
    rnn.c
}
build -o "${1:-rnn.wasm}"
RELAXED="${2:-rnn-relaxed.wasm}"
build -mrelaxed-simd -o "$RELAXED"
node relaxed-opcodes.mjs "$RELAXED"
