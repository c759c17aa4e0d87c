import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { compareRuns } from '../../src/report/compare.js';
import {
  comparisonCells,
  comparisonCsv,
  comparisonMarkdown,
  comparisonRecords,
  formatDuration,
} from '../../src/report/format.js';
import { listRuns } from '../../src/report/read.js';
import { standardExperiments } from './fixture.js';

function cmp() {
  return compareRuns(listRuns(standardExperiments().dir).runs);
}

describe('comparison formats', () => {
  it('table cells: best values followed by * without colour, dashes where missing, statuses as text', () => {
    const c = cmp();
    const cells = comparisonCells(c, { color: false });
    assert.equal(cells.head.length, cells.rows[0]!.length);
    const col = (label: string) => cells.head.indexOf(label);
    const rowOf = (id: string) => cells.rows.find((r) => r[0] === id)!;
    assert.equal(rowOf('20261102-100000-b')[col('val_loss\n(best)')], '0.5200*');
    assert.equal(rowOf('20261101-100000-a')[col('val_loss\n(best)')], '0.5800');
    assert.equal(rowOf('20261103-100000-c')[col('test\naccuracy')], '-');
    assert.equal(rowOf('20261103-100000-c')[1], 'failed');
    assert.equal(rowOf('20261102-100000-b')[col('learningRate')], '0.01');
    assert.equal(rowOf('20261101-100000-a')[col('time')], '4.5s');
    // With colour the mark is an ANSI sequence, not a star.
    const coloured = comparisonCells(c, { color: true }).rows.find((r) => r[0] === '20261102-100000-b')!;
    assert.ok(!coloured[col('val_loss\n(best)')]!.includes('*'));
  });

  it('markdown: one header, one rule with numbers right-aligned, a row per run, same cell count, bold best', () => {
    const c = cmp();
    const md = comparisonMarkdown(c);
    const lines = md.trimEnd().split('\n');
    assert.equal(lines.length, 2 + c.rows.length);
    const cellsOf = (line: string) =>
      line
        .replace(/\\\|/g, '')
        .split('|')
        .slice(1, -1)
        .map((s) => s.trim());
    const width = cellsOf(lines[0]!).length;
    for (const l of lines) {
      assert.match(l, /^\| .* \|$/);
      assert.equal(cellsOf(l).length, width, l);
    }
    assert.deepEqual(cellsOf(lines[0]!).slice(0, 4), [
      'run',
      'status',
      'training.batchSize',
      'training.optimizer.learningRate',
    ]);
    assert.match(lines[1]!, /^\| --- \| --- \| --- \| --- \| ---: \|/);
    const b = lines.find((l) => l.startsWith('| 20261102-100000-b'))!;
    assert.ok(b.includes('**0.5200**'), b);
    assert.ok(!md.includes('*0.58'), 'only the best is bold');
    assert.ok(lines.find((l) => l.includes('-c |'))!.includes('| - |'), 'dash for a missing value');
  });

  it('markdown escapes pipes inside cells', () => {
    const c = cmp();
    c.rows[0]!.values['training.batchSize'] = 'a|b';
    assert.ok(comparisonMarkdown(c).includes('a\\|b'));
  });

  it('CSV parses back: column ids as header, full-precision numbers, empty cells where missing', () => {
    const c = cmp();
    const rows = parse(comparisonCsv(c), { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, c.rows.length);
    const b = rows.find((r) => r.run === '20261102-100000-b')!;
    assert.equal(b.status, 'completed');
    assert.equal(Number(b.best_val_loss), 0.52);
    assert.equal(Number(b['training.optimizer.learningRate']), 0.01);
    assert.equal(Number(b.examples_per_second), 210); // mean of 200, 210, 220
    const failed = rows.find((r) => r.run === '20261103-100000-c')!;
    assert.equal(failed.test_accuracy, '');
    assert.equal(failed.status, 'failed');
  });

  it('CSV quotes values holding commas and quotes', () => {
    const c = cmp();
    c.rows[0]!.values['training.batchSize'] = 'x, "y"';
    const rows = parse(comparisonCsv(c), { columns: true }) as Record<string, string>[];
    assert.equal(rows[0]!['training.batchSize'], 'x, "y"');
  });

  it('JSON records: one object per run keyed by column id, null where missing', () => {
    const recs = comparisonRecords(cmp());
    const c = recs.find((r) => r.run === '20261103-100000-c')!;
    assert.equal(c.test_auc, null);
    assert.equal(c['training.batchSize'], 64);
  });
});

describe('formatDuration', () => {
  it('writes seconds, minutes and hours', () => {
    assert.equal(formatDuration(3.44), '3.4s');
    assert.equal(formatDuration(42), '42s');
    assert.equal(formatDuration(75), '1m 15s');
    assert.equal(formatDuration(4000), '1h 06m');
    assert.equal(formatDuration(null), '-');
  });
});
