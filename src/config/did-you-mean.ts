// "Did you mean" suggestions for misspelt keys and values.

/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours ("knwon"). */
export function levenshtein(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  // Every cell read is filled before; a cell outside the table would cost more than any path.
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    rows.push(row);
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(at(i, j), at(i - 2, j - 2) + 1);
    }
  }
  return at(a.length, b.length);
}

/** The closest candidate within distance 2, ignoring case; the first on a tie; undefined if none. */
export function closestMatch(input: string, candidates: readonly string[], maxDistance = 2): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const candidate of candidates) {
    const distance = levenshtein(input.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** A hint for an unknown name: 'did you mean "x"?', else the list of what is allowed. */
export function suggestionHint(input: string, candidates: readonly string[], what = 'allowed'): string {
  const match = closestMatch(input, candidates);
  if (match !== undefined) return `did you mean "${match}"?`;
  return `${what}: ${candidates.join(', ')}.`;
}
