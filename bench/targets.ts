// Pure: issue 10's "Done when" targets that a scale run can check, each with its numbers.
import type { ScaleSummary } from './scale-analysis.ts';

export interface TargetResult {
  target: string;
  pass: boolean;
  /** The numbers behind it, per size where it applies. */
  detail: string;
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');

/** The issue's "Done when" targets that a scale run can check. */
export function checkTargets(runs: readonly ScaleSummary[]): TargetResult[] {
  const each = (target: string, ok: (s: ScaleSummary) => boolean, show: (s: ScaleSummary) => string): TargetResult => ({
    target,
    pass: runs.length > 0 && runs.every(ok),
    detail: runs.map((s) => `${s.servers}: ${show(s)}`).join(', '),
  });
  const small = runs.find((s) => s.servers === 20);
  const large = runs.find((s) => s.servers === 200);
  const growth = small && large ? large.wallMs / small.wallMs : Number.NaN;
  return [
    each(
      'every release exits 0',
      (s) => s.exitCode === 0,
      (s) => `exit ${s.exitCode}`,
    ),
    {
      target: 'wall time of 200 servers ≤ 1.5 × wall of 20',
      pass: growth <= 1.5,
      detail: small && large ? `${f1(large.wallMs / 1000)} s / ${f1(small.wallMs / 1000)} s = ${f2(growth)} ×` : 'needs the 20- and 200-server runs',
    },
    each(
      'out of the pool ≤ 1.3 × physical floor (median of per-server ratios)',
      (s) => s.medians.ratio <= 1.3 && s.missing.length === 0,
      (s) =>
        `${f2(s.medians.ratio)} × (${s.medians.outMs} ms / ${s.medians.floorMs} ms${s.missing.length ? `; ${s.missing.length} servers without a floor` : ''})`,
    ),
    each(
      'orchestration per batch beyond the slowest server out ≤ 150 ms (median)',
      (s) => s.orchestrationMedianMs <= 150,
      (s) => `${Math.round(s.orchestrationMedianMs)} ms`,
    ),
    each(
      '≤ 6 execs per server per release on the directors',
      (s) => s.director.perServer <= 6,
      (s) => f2(s.director.perServer),
    ),
    each(
      '1 SSH connection per host',
      (s) => s.director.connections.min === 1 && s.director.connections.max === 1 && s.server.connections.min === 1 && s.server.connections.max === 1,
      (s) => `${s.director.connections.min}-${s.director.connections.max} / ${s.server.connections.min}-${s.server.connections.max} (directors / servers)`,
    ),
    {
      target: 'release RSS ≤ 200 MiB at 200 servers',
      pass: large !== undefined && large.peakRssMiB <= 200,
      detail: large ? `${f1(large.peakRssMiB)} MiB` : 'needs the 200-server run',
    },
    each(
      'zero failed requests through the VIP',
      (s) => s.load.failed === 0 && s.load.requests > 0,
      (s) => `${s.load.failed} of ${s.load.requests}`,
    ),
    each(
      'never more than the batch size out of the pool',
      (s) => s.maxOut <= s.batch,
      (s) => `max ${s.maxOut} ≤ ${s.batch}`,
    ),
  ];
}
