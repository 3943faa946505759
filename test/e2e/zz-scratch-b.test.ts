import { it, expect } from 'vitest';
import { startE2eLab, journalEvents } from './harness.ts';
it('scratch', async () => {
  const e = await startE2eLab({ servers: 4 });
  try {
    for (let round = 0; round < 3; round++) {
      const good = await e.artifact('v2');
      const load = e.startLoad();
      const t0 = Date.now();
      const r = await e.release(['--artifact', good, '--release-id', `r${round}x`, '--batch', '2']);
      const t1 = Date.now();
      const rb = await e.cli(['rollback', '-c', e.config, '--batch', '2']);
      const t2 = Date.now();
      const traffic = await load.stop();
      console.log('ROUND', round, r.code, rb.code, 'release ms', t1 - t0, 'rollback ms', t2 - t1, JSON.stringify(traffic.failures), traffic.errorSamples, JSON.stringify(e.lab.vip.counters()));
    }
    const ev = journalEvents(e);
    const start = Date.parse(ev[0]!.at);
    for (const x of ev.slice(0, 120)) if (!['connections','command','step-started','director-action'].includes(x.type)) console.log(Date.parse(x.at) - start, x.type, (x as any).server ?? '', (x as any).label ?? (x as any).stage ?? '', (x as any).durationMs ?? '');
  } finally { await e.close(); }
  expect(1).toBe(1);
}, 120000);
