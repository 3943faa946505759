// The sessions a run opens, against a real OpenSSH sshd: one connection per host, and never more
// channels at once than ssh.maxSessions, whatever the engine asks (a batch of 20 at once).
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClusterSessions } from '../../src/api/sessions.ts';
import { loadCluster } from '../../src/config/load.ts';
import { startSshd, type Sshd } from '../helpers/sshd.ts';

let sshd: Sshd;
let dir: string;

beforeAll(async () => {
  // OpenSSH refuses a 5th channel on one connection.
  sshd = await startSshd({ extraConfig: ['MaxSessions 4'] });
  dir = mkdtempSync(join(tmpdir(), 'lvs-sessions-'));
  copyFileSync(sshd.knownHostsPath, join(dir, 'known_hosts'));
  copyFileSync(sshd.userKeyPath, join(dir, 'id_ed25519'));
  writeFileSync(
    join(dir, 'pipeline.yaml'),
    'name: p\nphases:\n  deploy:\n    - run: "true"\n  verify:\n    - http: { path: / }\n  rollback:\n    - run: "true"\n',
  );
});

afterAll(async () => {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function clusterWith(maxSessions: number | undefined) {
  const file = join(dir, `release-${maxSessions ?? 'default'}.yaml`);
  writeFileSync(
    file,
    [
      'cluster: sessions',
      'directors:',
      `  - { host: 127.0.0.1, name: lvs1, ssh: { port: ${sshd.port} } }`,
      'services:',
      '  - vip: 10.0.0.100:80',
      'realServers:',
      `  - { host: 127.0.0.1, name: web1, address: 10.0.1.11, ssh: { port: ${sshd.port} } }`,
      'ssh:',
      `  user: ${sshd.user}`,
      '  identityFile: ./id_ed25519',
      '  knownHosts: ./known_hosts',
      ...(maxSessions === undefined ? [] : [`  maxSessions: ${maxSessions}`]),
      'pipeline: pipeline.yaml',
      '',
    ].join('\n'),
  );
  const loaded = await loadCluster(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded));
  return loaded.cluster;
}

async function twentyAtOnce(maxSessions: number | undefined) {
  const cluster = await clusterWith(maxSessions);
  const opened = await openClusterSessions(cluster, {}, new AbortController().signal);
  try {
    const lvs1 = opened.sessions.get('lvs1');
    if (!lvs1) throw new Error('no session');
    return await Promise.all(
      Array.from({ length: 20 }, (_, i) => lvs1.exec({ argv: ['sh', '-c', 'sleep 0.2; echo "$1"', 'sh', String(i)], mutates: false, timeoutMs: 60_000 })),
    );
  } finally {
    await opened.close();
  }
}

describe('sessions against a real sshd with MaxSessions 4', () => {
  it('runs a batch of 20 commands at once on one connection when ssh.maxSessions is 3: queued, none refused', async () => {
    const results = await twentyAtOnce(3);
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('never has more than ssh.maxSessions commands running on the host at once', async () => {
    const log = join(dir, 'concurrency.log');
    writeFileSync(log, '');
    const cluster = await clusterWith(3);
    const opened = await openClusterSessions(cluster, {}, new AbortController().signal);
    try {
      const lvs1 = opened.sessions.get('lvs1');
      if (!lvs1) throw new Error('no session');
      const script = 'echo + >> "$1"; sleep 0.2; echo - >> "$1"';
      const results = await Promise.all(
        Array.from({ length: 12 }, () => lvs1.exec({ argv: ['sh', '-c', script, 'sh', log], mutates: false, timeoutMs: 60_000 })),
      );
      expect(results.every((r) => r.ok)).toBe(true);
    } finally {
      await opened.close();
    }
    let running = 0;
    let most = 0;
    for (const mark of readFileSync(log, 'utf8').trim().split('\n')) {
      running += mark === '+' ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBe(3);
  });
});
