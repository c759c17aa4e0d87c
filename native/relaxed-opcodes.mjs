// Renumbers clang 14's relaxed-SIMD multiply-add in a built module, in place, to the opcode of the
// finished proposal (native/build.sh runs it on rnn-relaxed.wasm).
//
// clang 14 knows relaxed SIMD only as its prototype: __builtin_wasm_fma_f32x4 is encoded as
// `f32x4.fma`, 0xfd 0xaf 0x01, an opcode the proposal later gave up and engines refuse (Node 22
// rejects the module). The finished proposal's f32x4.relaxed_madd is 0xfd 0x85 0x02 and computes
// a*b + c of the same three operands on the stack, so each one is rewritten in place (two LEB128
// bytes for two), and nothing else in the module moves. A newer clang emits relaxed_madd itself,
// and then there is nothing to rewrite.
//
// The code section is decoded instruction by instruction, so that only opcodes are rewritten,
// never an immediate that holds the same bytes (a constant, a v128.const); an instruction this
// decoder does not know stops it with an error rather than a guess.
// Usage: node native/relaxed-opcodes.mjs module.wasm
import { readFileSync, writeFileSync } from 'node:fs';

const PROTOTYPE_FMA = 0xaf; // f32x4.fma (prototype), after the 0xfd prefix
const RELAXED_MADD = 0x105; // f32x4.relaxed_madd

/** Reads an unsigned LEB128 at `at`: [value, next offset]. */
function uleb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    if (b === undefined) throw new Error('truncated LEB128');
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [value, at];
  }
}

/** Skips a signed LEB128 (i32.const, i64.const, a block type's type index). */
function skipLeb(bytes, at) {
  while (bytes[at++] & 0x80);
  return at;
}

/** Skips a memarg (alignment, offset). */
const memarg = (bytes, at) => uleb(bytes, uleb(bytes, at)[1])[1];

/** The end of the 0xfd (SIMD) instruction whose sub-opcode ends at `at`. */
function simdImmediates(bytes, op, at) {
  if (op <= 0x0b || op === 0x5c || op === 0x5d) return memarg(bytes, at); // loads, stores, load_zero
  if (op === 0x0c || op === 0x0d) return at + 16; // v128.const, i8x16.shuffle
  if (op >= 0x15 && op <= 0x22) return at + 1; // extract_lane, replace_lane
  if (op >= 0x54 && op <= 0x5b) return memarg(bytes, at) + 1; // load_lane, store_lane
  return at;
}

/** The end of the instruction at `at` in a function body; `fma` collects prototype fma offsets. */
function instruction(bytes, at, fma) {
  const start = at;
  const op = bytes[at++];
  if (op === 0x02 || op === 0x03 || op === 0x04) {
    // block, loop, if: an empty type (0x40), a value type, or a type index (s33)
    const t = bytes[at];
    return t === 0x40 || (t >= 0x7b && t <= 0x7f) || t === 0x70 || t === 0x6f ? at + 1 : skipLeb(bytes, at);
  }
  if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x24) || op === 0xd2)
    return uleb(bytes, at)[1]; // br, br_if, call, local.*, global.*, ref.func
  if (op === 0x0e) {
    // br_table: a vector of labels and the default
    let [n, next] = uleb(bytes, at);
    for (; n >= 0; n--) next = uleb(bytes, next)[1];
    return next;
  }
  if (op === 0x11) return uleb(bytes, uleb(bytes, at)[1])[1]; // call_indirect
  if (op === 0x1c) {
    const [n, next] = uleb(bytes, at); // select with types
    return next + n;
  }
  if (op >= 0x28 && op <= 0x3e) return memarg(bytes, at);
  if (op === 0x3f || op === 0x40 || op === 0xd0) return at + 1; // memory.size, memory.grow, ref.null
  if (op === 0x41 || op === 0x42) return skipLeb(bytes, at);
  if (op === 0x43) return at + 4;
  if (op === 0x44) return at + 8;
  if (op === 0xfc) {
    const [sub, next] = uleb(bytes, at);
    if (sub <= 7) return next; // trunc_sat
    if (sub === 8) return uleb(bytes, next)[1] + 1; // memory.init
    if (sub === 9) return uleb(bytes, next)[1]; // data.drop
    if (sub === 10) return next + 2; // memory.copy
    if (sub === 11) return next + 1; // memory.fill
    throw new Error(`0xfc ${sub} at ${start}: not an instruction this decoder knows`);
  }
  if (op === 0xfd) {
    const [sub, next] = uleb(bytes, at);
    if (sub === PROTOTYPE_FMA) fma.push(at);
    return simdImmediates(bytes, sub, next);
  }
  if (op === 0xfe) {
    const [sub, next] = uleb(bytes, at); // atomics: memarg, but atomic.fence's one byte
    return sub === 0x03 ? next + 1 : memarg(bytes, next);
  }
  if (op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b) return at;
  if (op >= 0x45 && op <= 0xc4) return at; // numeric instructions, no immediates
  throw new Error(`opcode 0x${op.toString(16)} at ${start}: not an instruction this decoder knows`);
}

/** Offsets of the prototype fma sub-opcodes (two bytes each) in the module's code section. */
function prototypeFmaOffsets(bytes) {
  const fma = [];
  let at = 8; // magic and version
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = uleb(bytes, at + 1);
    if (id === 10) {
      let [count, fn] = uleb(bytes, body);
      for (; count > 0; count--) {
        const [length, start] = uleb(bytes, fn);
        const end = start + length;
        let [groups, p] = uleb(bytes, start); // locals: (count, type) pairs
        for (; groups > 0; groups--) p = uleb(bytes, p)[1] + 1;
        while (p < end) p = instruction(bytes, p, fma);
        if (p !== end || bytes[end - 1] !== 0x0b)
          throw new Error(`function body at ${start} does not end where its size says`);
        fn = end;
      }
    }
    at = body + size;
  }
  return fma;
}

const file = process.argv[2];
if (!file) throw new Error('usage: node native/relaxed-opcodes.mjs module.wasm');
const bytes = readFileSync(file);
for (const at of prototypeFmaOffsets(bytes)) {
  if (bytes[at] !== 0xaf || bytes[at + 1] !== 0x01) throw new Error(`not a two-byte sub-opcode at ${at}`);
  bytes[at] = 0x80 | (RELAXED_MADD & 0x7f);
  bytes[at + 1] = RELAXED_MADD >> 7;
}
writeFileSync(file, bytes);
