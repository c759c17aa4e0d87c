/**
 * Clusters of duplicates: the connected components of a graph of questions (union-find with path
 * halving and union by size), each component of two or more, largest first (ties by their first
 * question), members in question order.
 */
export function clustersOf(nodes: number, edges: Iterable<readonly [number, number]>): number[][] {
  const parent = new Int32Array(nodes);
  const size = new Int32Array(nodes).fill(1);
  for (let i = 0; i < nodes; i++) parent[i] = i;
  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) {
      parent[r] = parent[parent[r]!]!;
      r = parent[r]!;
    }
    return r;
  };
  for (const [a, b] of edges) {
    let ra = find(a);
    let rb = find(b);
    if (ra === rb) continue;
    if (size[ra]! < size[rb]!) [ra, rb] = [rb, ra];
    parent[rb] = ra;
    size[ra]! += size[rb]!;
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < nodes; i++) {
    const r = find(i);
    if (size[r]! < 2) continue;
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  }
  return [...groups.values()].sort((x, y) => y.length - x.length || x[0]! - y[0]!);
}
