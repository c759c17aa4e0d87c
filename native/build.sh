#!/bin/sh
# Rebuilds native/rnn.wasm from native/rnn.c: qqp's fused LSTM/GRU kernels in WebAssembly SIMD.
# Needs clang and wasm-ld for wasm32 (Debian: apt-get install -y clang lld). The built module is
# committed, so a fresh clone works without them; with the same clang (Debian 14.0.6) this
# rebuilds it byte for byte (test/backend/kernels/rnn-wasm-build.test.ts checks it when clang is here).
set -eu
cd "$(dirname "$0")"
CLANG="${CLANG:-clang}"
"$CLANG" --target=wasm32 -O3 -msimd128 -nostdlib -ffreestanding -fno-builtin \
  -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--export=__heap_base -Wl,--strip-all \
  -Wl,-z,stack-size=65536 -Wl,--initial-memory=1048576 \
  -o "${1:-rnn.wasm}" rnn.c
