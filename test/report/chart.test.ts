import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineChart } from '../../src/report/chart.js';

const pts = (ys: number[]) => ys.map((y, i) => ({ x: i + 1, y }));

describe('lineChart', () => {
  it('draws each series with its own marker, the top value on the first row and the bottom on the last', () => {
    const text = lineChart(
      [
        { label: 'train', points: pts([1, 0.5, 0.25]) },
        { label: 'validation', points: pts([0.9, 0.8, 0.7]) },
      ],
      { title: 'loss', width: 30, height: 8, xLabel: 'epoch' },
    );
    const lines = text.split('\n');
    assert.equal(lines[0], 'loss   * train  o validation');
    const plot = lines.slice(1, 9);
    assert.match(plot[0]!, /^1\.000 ┤\*/); // train starts at the maximum, top left
    // ...and ends at the minimum, bottom right (the 30th and last column).
    assert.match(plot[7]!, /^0\.250 ┤ +\*+$/);
    assert.equal(plot[7]!.length, plot[7]!.indexOf('┤') + 1 + 30);
    assert.ok(plot.some((l) => l.includes('o')));
    assert.match(lines[9]!, /└─{30}$/);
    assert.match(lines[10]!, /^\s+1\s+2\s+3\s+epoch$/);
  });

  it('labels many epochs at round steps, with room between labels', () => {
    const ys = Array.from({ length: 30 }, (_, i) => 1 / (i + 1));
    const text = lineChart([{ label: 'a', points: pts(ys) }], { width: 60, xLabel: 'epoch' });
    const axis = text.split('\n').at(-1)!;
    assert.deepEqual(axis.trim().split(/\s+/), ['1', '5', '10', '15', '20', '25', '30', 'epoch']);
  });

  it('joins steep segments so a line has no vertical gaps', () => {
    const text = lineChart([{ label: 'a', points: pts([0, 10]) }], { width: 4, height: 6 });
    const plot = text.split('\n').slice(1, 7);
    // Every row holds a marker: the segment climbs through all of them.
    for (const row of plot) assert.ok(row.includes('*'), row);
  });

  it('marks cells two series share with #', () => {
    const text = lineChart(
      [
        { label: 'a', points: pts([1, 2]) },
        { label: 'b', points: pts([1, 3]) },
      ],
      { width: 10, height: 5 },
    );
    assert.ok(text.split('\n')[5]!.includes('#'), text);
  });

  it('draws a single point and a flat line, and says when there is nothing', () => {
    assert.ok(lineChart([{ label: 'a', points: pts([0.5]) }], { width: 10, height: 3 }).includes('*'));
    const flat = lineChart([{ label: 'a', points: pts([0.5, 0.5, 0.5]) }], { width: 10, height: 3 });
    assert.ok(flat.split('\n')[2]!.includes('**********'), flat);
    assert.match(lineChart([{ label: 'a', points: [] }]), /no values to draw/);
  });

  it('colours markers only when asked', () => {
    const series = [{ label: 'a', points: pts([1, 2]) }];
    assert.ok(!lineChart(series).includes('\x1b['));
    assert.ok(lineChart(series, { color: true }).includes('\x1b['));
  });
});
