// `--batch N|N%|LIST`: parsed once, resolved against the cluster size per batch.

import { ReleaseError } from '../core/errors.ts';
import type { BatchSize, BatchSpec } from './types.ts';

const VALID_FORMS = 'Use a count (2), a percentage of the real servers (25%), or a list whose last element repeats (1,2,25%).';

function invalid(text: string, why: string): ReleaseError {
  return new ReleaseError('USAGE', `Invalid --batch "${text}": ${why}.`, { hint: VALID_FORMS, details: { batch: text } });
}

function parseElement(text: string, element: string, position: number): BatchSize {
  const where = `element ${position} "${element}"`;
  if (element === '') throw invalid(text, `element ${position} is empty`);
  const count = /^\d+$/.exec(element);
  if (count) {
    const n = Number(element);
    if (!Number.isSafeInteger(n) || n < 1) throw invalid(text, `${where} must be at least 1`);
    return { kind: 'count', count: n };
  }
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(element);
  if (percent) {
    const p = Number(percent[1]);
    if (!(p > 0 && p <= 100)) throw invalid(text, `${where} must be above 0% and at most 100%`);
    return { kind: 'percent', percent: p };
  }
  throw invalid(text, `${where} is not a count or a percentage`);
}

/** `2`, `25%`, `1,2,25%` → a BatchSpec; anything else is a USAGE error naming the bad element. */
export function parseBatchSpec(text: string): BatchSpec {
  const trimmed = text.trim();
  if (trimmed === '') throw invalid(text, 'it is empty');
  const sizes = trimmed.split(',').map((element, i) => parseElement(text, element.trim(), i + 1));
  return { text: trimmed, sizes };
}

/** The size for the i-th batch (0-based): the i-th element, the last one repeating. */
export function batchSizeAt(spec: BatchSpec, index: number): BatchSize {
  const size = spec.sizes[Math.min(index, spec.sizes.length - 1)];
  if (size === undefined) throw new Error('BatchSpec has no sizes');
  return size;
}

/** Servers per batch: a count as is; a percentage of the configured servers, rounded down, at least 1. */
export function resolveBatchSize(size: BatchSize, clusterSize: number): number {
  if (size.kind === 'count') return size.count;
  return Math.max(1, Math.floor((clusterSize * size.percent) / 100));
}

/** `2`, `25%`: one size as the user writes it. */
export function formatBatchSize(size: BatchSize): string {
  return size.kind === 'count' ? String(size.count) : `${size.percent}%`;
}
