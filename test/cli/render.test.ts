import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitColumns, table, terminalWidth, wrapHanging, wrapText } from '../../src/cli/render.js';

const long =
  'A description long enough to need several lines at any sensible width, with one overlongwordthatcannotwrapbetweenwords in it';

describe('table fitted to a width', () => {
  it('no rendered line is wider than the width, and no text is lost', () => {
    const rows = [
      [
        'embeddingsInitializer',
        'one of "glorotUniform", "glorotNormal", "heUniform"',
        '"randomUniform"',
        long,
      ],
      ['units', 'an integer >= 1', '64', 'Hidden size'],
    ];
    for (const width of [100, 80, 60, 40]) {
      const text = table(['parameter', 'takes', 'default', 'description'], rows, { width });
      const lines = text.split('\n');
      for (const line of lines)
        assert.ok([...line].length <= width, `${[...line].length} > ${width}: ${line}`);
      // Each column read top to bottom holds its cells' words in order.
      const columns = ['', '', '', ''];
      for (const line of lines.filter((l) => l.startsWith('│'))) {
        for (const [i, cell] of line.split('│').slice(1, -1).entries())
          columns[i] += cell.replace(/\s+/g, '');
      }
      for (const row of rows) {
        for (const [i, cell] of row.entries()) {
          assert.ok(columns[i]?.includes(cell.replace(/\s+/g, '')), `${width}: ${cell} lost`);
        }
      }
      assert.ok(!text.includes('…'), 'nothing truncated');
    }
  });

  it('leaves a table that fits alone, and keeps short columns whole', () => {
    assert.equal(fitColumns([['a', 'b']], 80), undefined);
    const widths = fitColumns([['units', long]], 60);
    assert.deepEqual(widths?.[0], 'units'.length + 2);
    assert.equal((widths ?? []).reduce((a, b) => a + b, 0) + 3, 60);
  });

  it('wrapText wraps between words and breaks only words longer than the width', () => {
    assert.deepEqual(wrapText('aa bb cc', 5), ['aa bb', 'cc']);
    assert.deepEqual(wrapText('abcdefgh ij', 3), ['abc', 'def', 'gh', 'ij']);
    assert.deepEqual(wrapText('a\nb', 10), ['a', 'b']);
  });

  it('terminalWidth is the terminal, else COLUMNS, else the fallback', () => {
    const saved = process.env.COLUMNS;
    try {
      delete process.env.COLUMNS;
      const pipe = { isTTY: false } as NodeJS.WriteStream;
      assert.equal(terminalWidth(pipe), 100);
      process.env.COLUMNS = '72';
      assert.equal(terminalWidth(pipe), 72);
      process.env.COLUMNS = 'wide';
      assert.equal(terminalWidth(pipe, 90), 90);
      assert.equal(terminalWidth({ isTTY: true, columns: 132 } as NodeJS.WriteStream), 132);
    } finally {
      if (saved === undefined) delete process.env.COLUMNS;
      else process.env.COLUMNS = saved;
    }
  });
});

describe('wrapHanging', () => {
  const chain =
    'sequential: embedding(outputDim=64) → bidirectional(lstm(units=64, returnSequences=true)) → dense(units=1, activation=sigmoid)';

  it('keeps text that fits on one line', () => {
    assert.deepEqual(wrapHanging('a → b', 80, { first: 'x: ', indent: '  ' }), ['x: a → b']);
  });

  it('breaks between layers first, the arrow ending the line, with a hanging indent', () => {
    assert.deepEqual(wrapHanging(chain, 80, { first: 'model: ', indent: '    ' }), [
      'model: sequential: embedding(outputDim=64) →',
      '    bidirectional(lstm(units=64, returnSequences=true)) →',
      '    dense(units=1, activation=sigmoid)',
    ]);
  });

  it('breaks a layer wider than the line after a comma, never inside a word, and keeps every word', () => {
    const lines = wrapHanging(chain, 30, { indent: '  ' });
    for (const line of lines) assert.ok([...line].length <= 30, line);
    assert.deepEqual(lines, [
      'sequential:',
      '  embedding(outputDim=64) →',
      '  bidirectional(lstm(units=64,',
      '  returnSequences=true)) →',
      '  dense(units=1,',
      '  activation=sigmoid)',
    ]);
    assert.equal(lines.map((l) => l.trim()).join(' '), chain);
  });

  it('lets a word wider than the line stand alone rather than cut it', () => {
    assert.deepEqual(wrapHanging('ab averyveryverylongword cd', 10, { indent: ' ' }), [
      'ab',
      ' averyveryverylongword',
      ' cd',
    ]);
  });
});
