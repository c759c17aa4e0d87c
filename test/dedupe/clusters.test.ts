import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clustersOf } from '../../src/dedupe/clusters.js';

/** Components by a plain search over the graph, for comparison. */
function componentsByFlood(nodes: number, edges: [number, number][]): number[][] {
  const adj = Array.from({ length: nodes }, () => [] as number[]);
  for (const [a, b] of edges) {
    adj[a]!.push(b);
    adj[b]!.push(a);
  }
  const seen = new Array<boolean>(nodes).fill(false);
  const out: number[][] = [];
  for (let s = 0; s < nodes; s++) {
    if (seen[s]) continue;
    const group: number[] = [];
    const stack = [s];
    seen[s] = true;
    while (stack.length > 0) {
      const x = stack.pop()!;
      group.push(x);
      for (const y of adj[x]!) {
        if (!seen[y]) {
          seen[y] = true;
          stack.push(y);
        }
      }
    }
    if (group.length >= 2) out.push(group.sort((p, q) => p - q));
  }
  return out.sort((x, y) => y.length - x.length || x[0]! - y[0]!);
}

describe('clustersOf', () => {
  it('connected components of two or more, largest first, members in order', () => {
    const edges: [number, number][] = [
      [5, 1],
      [8, 9],
      [1, 3],
      [3, 5],
      [2, 2],
    ];
    assert.deepEqual(clustersOf(10, edges), [
      [1, 3, 5],
      [8, 9],
    ]);
  });

  it('agrees with a flood fill on random graphs', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let t = 0; t < 20; t++) {
      const nodes = 5 + rand(60);
      const edges: [number, number][] = Array.from({ length: rand(nodes) }, () => [rand(nodes), rand(nodes)]);
      assert.deepEqual(clustersOf(nodes, edges), componentsByFlood(nodes, edges));
    }
  });

  it('no edges: no clusters', () => {
    assert.deepEqual(clustersOf(4, []), []);
  });
});
