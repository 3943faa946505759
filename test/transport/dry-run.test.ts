// The dry-run chokepoint: unit behaviour on a fake, and "nothing changes" on a real sshd.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dryRunSession, dryRunTransport, type DryRunReport } from '../../src/transport/dry-run.ts';
import { createFakeSession, createFakeTransport } from '../helpers/fake-transport.ts';
import { startSshd, type Sshd } from '../helpers/sshd.ts';
import { targetOf, transportFor } from './support.ts';

describe('dryRunSession (fake host)', () => {
  it('runs read-only commands and reports mutating ones with a synthetic ok', async () => {
    const inner = createFakeSession({ target: { name: 'lvs1' } }).on(['ipvsadm'], { stdout: 'table' });
    const reports: DryRunReport[] = [];
    const session = dryRunSession(inner, { report: (report) => reports.push(report) });

    const read = await session.exec({ argv: ['ipvsadm', '-L', '-n'], mutates: false });
    expect(read).toMatchObject({ ok: true, stdout: 'table' });
    expect(read.dryRun).toBeUndefined();

    const write = await session.exec({ argv: ['ipvsadm', '-e', '-t', '10.0.0.1:80', '-w', '0'], sudo: true, mutates: true });
    expect(write).toMatchObject({ ok: true, exitCode: 0, stdout: '', dryRun: true, host: 'lvs1', command: 'sudo -n ipvsadm -e -t 10.0.0.1:80 -w 0' });
    const upload = await session.upload({ localPath: '/tmp/r1.tgz', remotePath: '/srv/r1.tgz', mode: 0o644 });
    expect(upload).toMatchObject({ ok: true, dryRun: true, bytes: 0 });

    expect(inner.calls.map((call) => call.kind === 'exec' && call.commandLine)).toEqual(['ipvsadm -L -n']);
    expect(reports).toEqual([
      { kind: 'exec', host: 'lvs1', commandLine: 'sudo -n ipvsadm -e -t 10.0.0.1:80 -w 0', command: expect.objectContaining({ mutates: true }) },
      { kind: 'upload', host: 'lvs1', localPath: '/tmp/r1.tgz', remotePath: '/srv/r1.tgz', mode: 0o644 },
    ]);
  });

  it('treats a command without an explicit mutates: false as a write', async () => {
    const inner = createFakeSession({ fallback: {} });
    const reports: DryRunReport[] = [];
    const session = dryRunSession(inner, { report: (report) => reports.push(report) });
    await session.exec({ argv: ['rm', '-rf', 'old'] } as never);
    expect(inner.calls).toEqual([]);
    expect(reports).toHaveLength(1);
  });

  it('wraps every session a transport opens', async () => {
    const reports: DryRunReport[] = [];
    const inner = createFakeSession({ fallback: {} });
    const transport = dryRunTransport(
      createFakeTransport(() => inner),
      { report: (report) => reports.push(report) },
    );
    const { sessions } = await transport.open([{ name: 'web1', host: 'web1', port: 22, user: 'deploy' }], { concurrency: 1 });
    await sessions.get('web1')?.exec({ argv: ['touch', 'x'], mutates: true });
    expect(inner.calls).toEqual([]);
    expect(reports.map((report) => report.kind)).toEqual(['exec']);
  });
});

describe('dryRunSession (real sshd)', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('never touches the host for writes, and really reads', async () => {
    const reports: DryRunReport[] = [];
    const transport = dryRunTransport(transportFor(sshd), { report: (report) => reports.push(report) });
    const session = await transport.connect(targetOf(sshd));
    const file = join(sshd.dir, 'created-by-dry-run');
    const write = await session.exec({ argv: ['touch', file], mutates: true });
    const upload = await session.upload({ localPath: sshd.knownHostsPath, remotePath: `${file}.upload` });
    const read = await session.exec({ argv: ['cat', sshd.knownHostsPath], mutates: false });
    expect(write).toMatchObject({ ok: true, dryRun: true });
    expect(upload).toMatchObject({ ok: true, dryRun: true });
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.upload`)).toBe(false);
    expect(existsSync(`${file}.upload.part`)).toBe(false);
    expect(read).toMatchObject({ ok: true, stdout: expect.stringContaining(sshd.hostPublicKey) });
    expect(read.dryRun).toBeUndefined();
    expect(reports.map((report) => report.kind)).toEqual(['exec', 'upload']);
    await session.close();
  });
});
