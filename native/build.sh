#!/bin/sh
# Rebuilds native/rnn.wasm from native/rnn.c: qqp's fused LSTM/GRU and align kernels in WebAssembly
# SIMD.
# Needs clang and wasm-ld for wasm32 (Debian: apt-get install -y clang lld). The built module is
# committed, so a fresh clone works without them; with the same clang (Debian 14.0.6) this rebuilds
# it byte for byte (test/backend/kernels/rnn-wasm-build.test.ts checks it where clang is installed).
#
# The module imports a shared memory (at most 1 GiB) so that worker threads can run the same
# kernels on other rows of a batch (src/backend/kernels/wasm-runtime.ts; the argument tables in
# rnn-wasm.ts and align-wasm.ts). It has no libc and uses no stack, so instances on several threads
# do not collide.
# Usage: native/build.sh [output, default native/rnn.wasm; relative paths are relative to native/]
set -eu
cd "$(dirname "$0")"
CLANG="${CLANG:-clang}"
"$CLANG" --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -nostdlib -ffreestanding -fno-builtin \
  -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--export=__heap_base -Wl,--strip-all \
  -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=1073741824 \
  -Wl,-z,stack-size=65536 -Wl,--initial-memory=1048576 \
  -o "${1:-rnn.wasm}" rnn.c
