// A plan as a compact table for `release plan` / `--dry-run`: the capacity left at every step.

import type { Plan, PlanBatch } from './types.ts';

function batches(n: number): string {
  return `${n} batch${n === 1 ? '' : 'es'}`;
}

function summary(plan: Plan): string {
  const canary = plan.canary === null ? '' : `, canary ${plan.canary}`;
  const out = plan.alreadyOut > 0 ? `, ${plan.alreadyOut} already out` : '';
  if (plan.blocked !== null) return `plan: ${plan.clusterSize} real servers (--batch ${plan.batchSpec}${canary}${out})`;
  return (
    `plan: ${plan.total} of ${plan.clusterSize} real servers in ${batches(plan.batches.length)}` +
    ` (--batch ${plan.batchSpec}${canary}${out}); at most ${plan.maxOut} out of the pool at once`
  );
}

function row(batch: PlanBatch, clusterSize: number): string[] {
  return [
    `${batch.index + 1}${batch.canary ? '*' : ''}`,
    `${batch.outDuring}/${batch.budget}`,
    `${batch.inPoolDuring}/${clusterSize}`,
    batch.servers.join(', '),
  ];
}

function table(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const cells of rows) for (const [i, cell] of cells.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  // The last column (server names) is not padded, so long lists do not leave trailing spaces.
  return rows.map((cells) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
}

/** Human lines: a summary, one row per batch (out/budget, in pool), the canary pause, skipped servers. */
export function formatPlan(plan: Plan): string[] {
  const lines = [summary(plan)];
  if (plan.limit) {
    const others = plan.outsideLimit ?? [];
    const shown = others.length > 5 ? `${others.slice(0, 5).join(', ')} and ${others.length - 5} more` : others.join(', ');
    lines.push(`limit: ${plan.limit.join(', ')}${others.length > 0 ? `; not released (in the pool, outside --limit): ${shown}` : ''}`);
  }
  if (plan.blocked !== null) {
    lines.push(`blocked: ${plan.blocked.reason}`, `  hint: ${plan.blocked.hint}`);
  } else {
    lines.push(...table([['batch', 'out/budget', 'in pool', 'servers'], ...plan.batches.map((b) => row(b, plan.clusterSize))]));
    const paused = plan.batches.find((b) => b.pauseAfter);
    if (paused !== undefined) lines.push(`* canary: pause after batch ${paused.index + 1} for release promote / release abort`);
  }
  if (plan.skipped.length > 0) {
    lines.push('skipped (out of the pool, counted against every batch):');
    lines.push(...plan.skipped.map((s) => `  ${s.server}: ${s.reason}`));
  }
  return lines;
}
