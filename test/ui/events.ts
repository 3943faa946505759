// Test data: one sample event per type, and a realistic run (two batches, web3 rolled back).

import type { EventInput, EventType, ReleaseEvent } from '../../src/events/types.ts';
import { parseBatchSpec } from '../../src/plan/batch-spec.ts';
import { buildPlan } from '../../src/plan/build-plan.ts';

const RUN = 'run-1';

/** Stamps events with a runId and instants one second apart from `start`. */
export function stamp(inputs: readonly EventInput[], start = '2026-11-25T10:00:00.000Z'): ReleaseEvent[] {
  const t0 = Date.parse(start);
  return inputs.map((input, i) => ({ ...input, at: new Date(t0 + i * 1000).toISOString(), runId: RUN }) as ReleaseEvent);
}

export function anEvent<E extends EventInput>(input: E, at = '2026-11-25T10:00:01.234Z'): ReleaseEvent {
  return { ...input, at, runId: RUN } as unknown as ReleaseEvent;
}

const saved = (director: string, weight: number) => ({
  director,
  service: { kind: 'addr', protocol: 'tcp', family: 'inet', address: '192.168.1.181', port: 80 } as const,
  label: 'TCP 192.168.1.181:80',
  dest: { family: 'inet', address: '192.168.1.179', port: 80, forward: 'Masq', weight, upperThreshold: 0, lowerThreshold: 0 } as const,
});

/** One input per event type: the table below must name every type (checked by the compiler). */
export const SAMPLES: { [K in EventType]: Extract<EventInput, { type: K }> } = {
  'run-started': {
    type: 'run-started',
    cluster: 'web-prod',
    release: 'r2',
    command: 'release',
    trigger: 'ci',
    dryRun: false,
    forcedWindow: { reason: 'hotfix INC-42', blockers: ['weekday-morning'] },
    user: 'deploy',
    host: 'runner1',
    pid: 4242,
    ciJob: '991',
  },
  plan: {
    type: 'plan',
    plan: buildPlan({
      servers: ['web1', 'web2', 'web3'],
      state: { web1: { inPool: true }, web2: { inPool: true }, web3: { inPool: true } },
      batch: parseBatchSpec('1,2'),
    }),
  },
  warning: { type: 'warning', code: 'KEEPALIVED_MANAGED', message: 'pool is managed by keepalived', director: 'lvs1' },
  preflight: {
    type: 'preflight',
    servers: [
      { name: 'web1', inPool: true, release: 'r1' },
      { name: 'web5', inPool: false, reason: 'weight 0 on lvs2' },
    ],
    hosts: [{ host: 'web1', role: 'server', checked: ['VIP 192.168.1.181 on lo', 'arp_ignore=1 (eth0)', 'arp_announce=2 (eth0)'] }],
  },
  'host-check': {
    type: 'host-check',
    stage: 'verify',
    ok: false,
    host: 'web3',
    role: 'server',
    checked: ['VIP 192.168.1.181 on lo'],
    problems: ['web3: the VIP 192.168.1.181 of TCP 192.168.1.181:80 is not on lo'],
  },
  'batch-started': { type: 'batch-started', index: 0, servers: ['web1', 'web2'], purpose: 'release' },
  'step-started': { type: 'step-started', server: 'web3', phase: 'deploy', step: 2, label: 'app-ctl restart' },
  'step-finished': { type: 'step-finished', server: 'web3', phase: 'deploy', step: 2, label: 'app-ctl restart', ok: false, durationMs: 1234, detail: 'exit 1' },
  'upload-progress': { type: 'upload-progress', server: 'web3', sent: 12_300_000, total: 40_000_000 },
  command: { type: 'command', host: 'lvs1', command: 'ipvsadm -e -t 192.168.1.181:80 -r 192.168.1.179:80 -w 0', mutates: true, dryRun: true },
  'director-action': {
    type: 'director-action',
    stage: 'done',
    server: 'web3',
    director: 'lvs1',
    service: 'TCP 192.168.1.181:80',
    action: 'quiesce',
    weightBefore: 100,
    weightAfter: 0,
    connections: 12,
  },
  'server-draining': { type: 'server-draining', server: 'web3', method: 'ipvsadm', purpose: 'release', saved: [saved('lvs1', 100), saved('lvs2', 100)] },
  connections: { type: 'connections', server: 'web3', count: 4, persist: 0, remainingMs: 41_000, settledMs: 0 },
  'server-drained': { type: 'server-drained', server: 'web3', drainMs: 12_000, connections: 0, timedOut: false },
  'release-switch': { type: 'release-switch', stage: 'done', server: 'web3', from: 'r1', to: 'r2' },
  smoke: { type: 'smoke', server: 'web3', ok: true, attempt: 1, url: 'http://192.168.1.179:80/', status: 200, detail: '200 in 12 ms' },
  retry: { type: 'retry', server: 'web3', what: 'smoke GET /', attempt: 1, delayMs: 1000, error: 'expected status 200, got 503' },
  'server-restored': {
    type: 'server-restored',
    server: 'web3',
    weights: [{ director: 'lvs1', service: 'TCP 192.168.1.181:80', weight: 100 }],
    outOfPoolMs: 34_000,
  },
  'marked-bad': { type: 'marked-bad', server: 'web3', release: 'r2' },
  'server-finished': {
    type: 'server-finished',
    server: 'web3',
    outcome: 'released',
    releaseBefore: 'r1',
    releaseAfter: 'r2',
    outOfPoolMs: 34_000,
    drainMs: 12_000,
  },
  'once-started': { type: 'once-started', phase: 'before', release: 'r2', on: 'web1', steps: 1 },
  'once-step-started': { type: 'once-step-started', phase: 'before', on: 'web1', step: 0, label: 'migrate the database' },
  'once-step-finished': { type: 'once-step-finished', phase: 'before', on: 'web1', step: 0, label: 'migrate the database', ok: true, durationMs: 2345 },
  'once-finished': { type: 'once-finished', phase: 'before', release: 'r2', on: 'web1', ok: true, durationMs: 2400 },
  'batch-finished': { type: 'batch-finished', index: 0, ok: true },
  paused: { type: 'paused', reason: 'canary', resumeWith: 'release promote', nextBatch: 1 },
  'run-finished': { type: 'run-finished', outcome: 'released', exitCode: 0 },
};

const drained = (server: string, purpose: 'release' | 'rollback'): EventInput[] => [
  { type: 'server-draining', server, method: 'ipvsadm', purpose, saved: [saved('lvs1', 100), saved('lvs2', 100)] },
  { type: 'connections', server, count: 3, persist: 0, remainingMs: 60_000, settledMs: 0 },
  { type: 'connections', server, count: 0, persist: 0, remainingMs: 58_000, settledMs: 2000 },
  { type: 'server-drained', server, drainMs: 4000, connections: 0, timedOut: false },
];

const restored = (server: string): EventInput => ({
  type: 'server-restored',
  server,
  weights: [
    { director: 'lvs1', service: 'TCP 192.168.1.181:80', weight: 100 },
    { director: 'lvs2', service: 'TCP 192.168.1.181:80', weight: 100 },
  ],
  outOfPoolMs: 9000,
});

/** Batch 1 releases web1 and web2; in batch 2 web3 fails its smoke check and is rolled back (rollback: failed). */
export function aRolledBackRun(secret = 'hunter2'): ReleaseEvent[] {
  return stamp([
    { type: 'run-started', cluster: 'web-prod', release: 'r2', command: 'release', trigger: 'ci', dryRun: false, user: 'deploy', host: 'runner1', pid: 4242 },
    { type: 'preflight', servers: ['web1', 'web2', 'web3', 'web4'].map((name) => ({ name, inPool: true, release: 'r1' })) },
    { type: 'warning', code: 'PERSISTENCE', message: `templates linger (token=${secret})` },
    { type: 'batch-started', index: 0, servers: ['web1', 'web2'], purpose: 'release' },
    ...drained('web1', 'release'),
    ...drained('web2', 'release'),
    { type: 'release-switch', stage: 'done', server: 'web1', from: 'r1', to: 'r2' },
    { type: 'release-switch', stage: 'done', server: 'web2', from: 'r1', to: 'r2' },
    restored('web1'),
    restored('web2'),
    { type: 'server-finished', server: 'web1', outcome: 'released', releaseBefore: 'r1', releaseAfter: 'r2', outOfPoolMs: 9000, drainMs: 4000 },
    { type: 'server-finished', server: 'web2', outcome: 'released', releaseBefore: 'r1', releaseAfter: 'r2', outOfPoolMs: 9000, drainMs: 4000 },
    { type: 'batch-finished', index: 0, ok: true },
    { type: 'batch-started', index: 1, servers: ['web3', 'web4'], purpose: 'release' },
    ...drained('web3', 'release'),
    ...drained('web4', 'release'),
    { type: 'release-switch', stage: 'done', server: 'web3', from: 'r1', to: 'r2' },
    { type: 'release-switch', stage: 'done', server: 'web4', from: 'r1', to: 'r2' },
    { type: 'retry', server: 'web3', what: 'smoke GET /', attempt: 1, delayMs: 1000, error: 'expected status 200, got 503' },
    {
      type: 'smoke',
      server: 'web3',
      ok: false,
      attempt: 2,
      url: `http://deploy:${secret}@192.168.1.180/`,
      status: 503,
      detail: 'expected status 200, got 503',
    },
    { type: 'step-started', server: 'web3', phase: 'rollback', step: 1, label: 'switch back' },
    { type: 'release-switch', stage: 'done', server: 'web3', from: 'r2', to: 'r1' },
    { type: 'marked-bad', server: 'web3', release: 'r2' },
    restored('web3'),
    restored('web4'),
    { type: 'server-finished', server: 'web4', outcome: 'released', releaseBefore: 'r1', releaseAfter: 'r2', outOfPoolMs: 9000, drainMs: 4000 },
    {
      type: 'server-finished',
      server: 'web3',
      outcome: 'rolled-back',
      releaseBefore: 'r1',
      releaseAfter: 'r1',
      outOfPoolMs: 15_000,
      drainMs: 4000,
      failedStep: 'verify #1 http GET /',
      error: 'expected status 200, got 503',
    },
    { type: 'batch-finished', index: 1, ok: false },
    { type: 'run-finished', outcome: 'rolled-back', exitCode: 1, message: 'web3 failed verify; rolled back' },
  ]);
}
