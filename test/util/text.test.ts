import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printable } from '../../src/util/text.js';

describe('printable', () => {
  it('escapes terminal escapes, bell, C1 controls, separators and bidi overrides', () => {
    assert.equal(printable('a\x1b[2Jb\x07c'), 'a\\x1b[2Jb\\x07c');
    assert.equal(printable('\x9b31m'), '\\x9b31m');
    assert.equal(printable('x\u202ey\u2028z\u2066'), 'x\\u202ey\\u2028z\\u2066');
    assert.equal(printable('one\ntwo\r'), 'one\\ntwo\\r');
    assert.equal(printable('\x00\x7f'), '\\x00\\x7f');
  });

  it('leaves ordinary text alone, tabs kept when asked', () => {
    const text = 'What is "QQP"? Ünïcödé, 日本語, emoji 🙂, back\\slash';
    assert.equal(printable(text), text);
    assert.equal(printable('a\tb'), 'a\\tb');
    assert.equal(printable('a\tb', { keepTabs: true }), 'a\tb');
  });
});
