// `release doctor` end to end on the lab (issue 11 item 5): keepalived.conf pairs placed on the
// directors (consistent, drifted, an unbalanced brace), DR servers with the lo VIP missing or ARP
// not suppressed, the VIP on both directors, a NAT director without forwarding. Each finding is
// named with its host (and file and line), exit 3 on an error, and `--json` says the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorDocument } from '../../src/api/doctor.ts';
import { control } from '../lab/lab-support.ts';
import { startCheckedLab, type E2eLab } from './harness.ts';

let dr: E2eLab;
let nat: E2eLab;

beforeAll(async () => {
  dr = await startCheckedLab({ servers: 3, forward: 'dr', checker: 'inhibit', pipeline: 'healthfile', drain: { connections: 'server' } });
  nat = await startCheckedLab({ servers: 2 });
});
afterAll(async () => {
  await dr?.close();
  await nat?.close();
});

async function doctor(e: E2eLab) {
  const text = await e.cli(['doctor', '-c', e.config]);
  const json = await e.cli(['doctor', '-c', e.config, '--json']);
  const doc = JSON.parse(json.stdout) as DoctorDocument;
  expect(json.code).toBe(text.code);
  return { code: text.code, stdout: text.stdout, doc, errors: doc.findings.filter((f) => f.level === 'error') };
}

describe('release doctor on the lab', () => {
  it('a consistent DR lab: no error (exit 0), the VIP holder named', async () => {
    const { code, doc, stdout } = await doctor(dr);
    expect(code, stdout).toBe(0);
    expect(doc.findings.find((f) => f.id === 'vip-holder')?.message).toBe('the VIP 127.0.0.100 is on lvs1 (eth0)');
  });

  it('every planted problem, by name, with host, file and line; exit 3; --json the same findings', async () => {
    await control(dr.lab, '/keepalived', { host: 'lvs2', variant: 'drifted' });
    await control(dr.lab, '/lo-vip', { host: 'web2', present: false });
    await control(dr.lab, '/sysctl', { host: 'web3', key: 'net.ipv4.conf.all.arp_ignore', value: 0 });
    await control(dr.lab, '/split-brain', { on: true });
    try {
      const { code, doc, errors, stdout } = await doctor(dr);
      expect(code, stdout).toBe(3);
      expect(doc.ok).toBe(false);
      const by = (id: string) => errors.filter((f) => f.id === id);
      expect(by('vip-not-on-lo').map((f) => f.subject.server)).toEqual(['web2']);
      expect(by('vip-not-on-lo')[0]?.hint).toContain('ip addr add 127.0.0.100/32 dev lo');
      expect(by('arp-not-suppressed').map((f) => f.subject.server)).toEqual(['web3']);
      expect(by('split-brain')[0]?.message).toContain('held by lvs1 (eth0) and lvs2 (eth0) at once (split brain)');
      const drift = by('keepalived-pair-mismatch');
      expect(drift.length).toBeGreaterThanOrEqual(2);
      expect(drift.every((f) => f.subject.director === 'lvs2' && f.file === 'etc/keepalived/keepalived.conf' && typeof f.line === 'number')).toBe(true);
      expect(drift.map((f) => f.message).join('\n')).toMatch(/lvs_sched wlc` on lvs1, `lvs_sched rr` on lvs2 \(lvs1 line \d+, lvs2 line \d+\)/);
      // The text report names the same findings.
      for (const f of errors) expect(stdout).toContain(`[${f.id}]`);

      // An unbalanced brace: keepalived's own diagnostic, with the line.
      await control(dr.lab, '/keepalived', { host: 'lvs2', variant: 'unbalanced' });
      const broken = await doctor(dr);
      const config = broken.errors.filter((f) => f.id === 'keepalived-config');
      expect(config.map((f) => [f.subject.director, f.file])).toEqual([['lvs2', 'etc/keepalived/keepalived.conf']]);
      expect(config[0]?.message).toMatch(
        /^keepalived\.conf \(etc\/keepalived\/keepalived\.conf\) on lvs2: \(Line \d+\) There are 1 missing '}'s or extra '{'s$/,
      );
      expect(config[0]?.line).toBeGreaterThan(0);
    } finally {
      await control(dr.lab, '/split-brain', { on: false });
      await control(dr.lab, '/sysctl', { host: 'web3', key: 'net.ipv4.conf.all.arp_ignore', value: 1 });
      await control(dr.lab, '/lo-vip', { host: 'web2', present: true });
      await control(dr.lab, '/keepalived', { host: 'lvs2', variant: 'inhibit' });
    }
  });

  it('NAT: a director without forwarding is an error naming it; the servers\' default route is "not checkable here" in the lab', async () => {
    await control(nat.lab, '/sysctl', { host: 'lvs1', key: 'net.ipv4.ip_forward', value: 0 });
    try {
      const { code, doc, errors } = await doctor(nat);
      expect(code).toBe(3);
      expect(errors.map((f) => [f.id, f.subject.director])).toEqual([['nat-no-forwarding', 'lvs1']]);
      expect(errors[0]?.hint).toContain('sysctl -w net.ipv4.ip_forward=1');
      expect(doc.findings.filter((f) => f.id === 'nat-default-route').map((f) => [f.level, f.subject.server, f.message])).toEqual([
        ['info', 'web1', expect.stringContaining('not checkable here')],
        ['info', 'web2', expect.stringContaining('not checkable here')],
      ]);
      // status shows who holds the VIP, and what would refuse a release.
      const status = await nat.cli(['status', '-c', nat.config]);
      expect(status.stdout).toContain('vip 127.0.0.1: held by lvs1');
      expect(status.stdout).toContain('problem: lvs1: net.ipv4.ip_forward is 0');
    } finally {
      await control(nat.lab, '/sysctl', { host: 'lvs1', key: 'net.ipv4.ip_forward', value: 1 });
    }
  });
});
