import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `input`, if it is close enough to be a likely typo:
 * same letters in another case, or an edit distance of at most a third of the length (at least 2).
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  const sameCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(input.length / 3));
  return bestDistance <= limit ? best : undefined;
}

export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const m = closestMatch(input, candidates);
  return m === undefined ? undefined : `did you mean "${m}"?`;
}
