// ipvsadm's `print_largenum` (ipvsadm.c:1819): counters as 9-column fields with K/M/G/T
// suffixes (multiples of 1000, truncated), or full width under `--exact`.

const SUFFIX: Record<string, bigint> = { K: 1000n, M: 1_000_000n, G: 1_000_000_000n, T: 1_000_000_000_000n };

/** One `print_largenum` field, leading spaces included (`%9llu`, `%8lluK`, ... or `%*llu`). */
export function formatLargeNum(value: bigint, exact = false): string {
  const digits = value.toString();
  if (exact) return digits.padStart(digits.length <= 8 ? 9 : digits.length + 1);
  if (value < 100_000_000n) return digits.padStart(9);
  if (value < 1_000_000_000n) return `${(value / 1000n).toString().padStart(8)}K`;
  if (value < 100_000_000_000n) return `${(value / 1_000_000n).toString().padStart(8)}M`;
  if (value < 100_000_000_000_000n) return `${(value / 1_000_000_000n).toString().padStart(8)}G`;
  return `${(value / 1_000_000_000_000n).toString().padStart(8)}T`;
}

/**
 * `183274K` → 183274000n. The value is the printed multiple, so formatting it again gives the
 * same text back; the truncated digits are gone (use `--exact` for arithmetic).
 */
export function parseLargeNum(token: string): bigint | undefined {
  const m = /^(\d+)([KMGT]?)$/.exec(token);
  if (!m) return undefined;
  const [, digits = '', suffix = ''] = m;
  return BigInt(digits) * (SUFFIX[suffix] ?? 1n);
}

/** One whitespace-separated token as fields: a `T` token with more than 8 digits is two fields. */
function unglue(token: string): string[] | undefined {
  const m = /^(\d+|\d+[KMGT])(\d{8}T)$/.exec(token);
  if (m) {
    const left = unglue(m[1] ?? '');
    return left ? [...left, m[2] ?? ''] : undefined;
  }
  return /^\d+[KMGT]?$/.test(token) ? [token] : undefined;
}

/**
 * Split the counter part of a row into fields. Fields are 9 columns wide and right-aligned,
 * so a `T` field of 8 digits (`18446744T`, values of 10^19 and more) touches its left
 * neighbour: `        018446744T` is `0` then `18446744T`. No other field can be that wide.
 */
export function splitLargeNums(text: string): string[] | undefined {
  const out: string[] = [];
  for (const token of text
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '')) {
    const parts = unglue(token);
    if (!parts) return undefined;
    out.push(...parts);
  }
  return out;
}
