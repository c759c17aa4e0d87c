#!/bin/sh
# Rebuilds native/qqp-kernels.linux-x64.node: the Node-API addon of qqp's native kernels
# (native/addon.c around native/rnn.c built twice: AVX2 with FMA, and AVX-512F; addon.c picks one
# at run time from the CPU's features, src/backend/kernels/native-runtime.ts loads it).
#
# Needs gcc for x86-64 and the Node-API headers of the devDependency node-api-headers (no node-gyp,
# no download). The built addon is committed, so a fresh clone works without gcc; with the same gcc
# (Debian 12.2.0) this rebuilds it byte for byte (test/backend/kernels/native-build.test.ts checks
# it where gcc is installed).
# Usage: native/build-addon.sh [output, default native/qqp-kernels.linux-x64.node; relative paths
# are relative to native/]
set -eu
cd "$(dirname "$0")"
CC="${CC:-gcc}"
HEADERS="${NODE_API_HEADERS:-../node_modules/node-api-headers/include}"
OUT="${1:-qqp-kernels.linux-x64.node}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
FLAGS="-O3 -fPIC -fvisibility=hidden -fno-plt -fno-ident -Wall -Wextra -Werror -std=c11"
"$CC" $FLAGS -mavx2 -mfma -DQQP_ENTRY=qqp_run_avx2 -c rnn.c -o "$TMP/rnn-avx2.o"
"$CC" $FLAGS -mavx512f -mavx2 -mfma -DQQP_ENTRY=qqp_run_avx512 -c rnn.c -o "$TMP/rnn-avx512.o"
"$CC" $FLAGS -I"$HEADERS" -c addon.c -o "$TMP/addon.o"
"$CC" -shared -s -Wl,--build-id=none -Wl,-z,noexecstack -o "$OUT" "$TMP/addon.o" "$TMP/rnn-avx2.o" \
  "$TMP/rnn-avx512.o" -lpthread
