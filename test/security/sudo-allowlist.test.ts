// Issue 12 item 9: every root action is a fixed, documented command. This reads the sudoers blocks
// of README.md ("Privileges on the directors and servers"), collects every command the engine and
// doctor can send with sudo (from the builders, and from real runs of the engine on the in-memory
// cluster), and checks each against them: the docs cannot drift from the code.
import { readFileSync } from 'node:fs';
import type { Client } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/core/errors.ts';
import { directorReads, keepalivedRead } from '../../src/doctor/reads.ts';
import {
  addDestCommand,
  connListCommand,
  deleteDestCommand,
  editDestCommand,
  listCommand,
  saveCommand,
  timeoutCommand,
  versionCommand,
  type IpvsCommand,
} from '../../src/ipvs/commands.ts';
import type { Destination, ListMode, ServiceKey } from '../../src/ipvs/model.ts';
import { parseBatchSpec } from '../../src/plan/batch-spec.ts';
import { runRelease } from '../../src/runner/run.ts';
import { buildCommandLine, effectiveArgv } from '../../src/transport/command.ts';
import { reapTagged } from '../../src/transport/remote-kill.ts';
import type { RemoteCommand } from '../../src/transport/types.ts';
import { createFakeCluster, type FakeCluster } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { aPipeline } from '../runner/builders.ts';
import { allows, parseSudoers, sudoersBlocks, type SudoRule } from './sudoers.ts';
import { aDestination } from '../helpers/destination.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = sudoersBlocks(README, 'Privileges on the directors and servers');
const directorsBlock = blocks.find((b) => /^# Directors/m.test(b)) ?? '';
const serversBlock = blocks.find((b) => /^# Real servers/m.test(b)) ?? '';
const DIRECTORS = parseSudoers(directorsBlock);
const SERVERS = parseSudoers(serversBlock);

/** `sudo -n ARGV` is allowed for `user` without a password, as root. */
function isAllowed(rules: readonly SudoRule[], argv: readonly string[], user = 'deploy'): boolean {
  return rules.some((r) => r.user === user && r.runas === 'root' && r.nopasswd && r.commands.some((c) => allows(c, argv)));
}

/** The argv sudo runs, from a command sent with `sudo: true`. */
function sudoArgv(command: RemoteCommand): string[] {
  const argv = effectiveArgv(command);
  if (argv?.[0] !== 'sudo' || argv[1] !== '-n') throw new Error(`not a sudo argv: ${buildCommandLine(command)}`);
  return argv.slice(2);
}

const SERVICES: ServiceKey[] = [
  { kind: 'addr', protocol: 'tcp', family: 'inet', address: '192.168.1.181', port: 80 },
  { kind: 'addr', protocol: 'udp', family: 'inet', address: '192.168.1.181', port: 53 },
  { kind: 'addr', protocol: 'sctp', family: 'inet6', address: '2001:db8::1', port: 80 },
  { kind: 'fwmark', family: 'inet', mark: 10 },
  { kind: 'fwmark', family: 'inet6', mark: 11 },
];
const dest = aDestination;
const DESTS: Destination[] = [
  dest({ forward: 'Route' }),
  dest({ forward: 'Masq', port: 8080, upperThreshold: 50, lowerThreshold: 10 }),
  dest({ forward: 'Tunnel' }),
  dest({ forward: 'Tunnel', tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'remcsum' }),
  dest({ forward: 'Tunnel', tunnelType: 'gre', tunnelChecksum: 'csum' }),
];

/** Every ipvsadm invocation the builders of src/ipvs/commands.ts can produce, over a matrix of inputs. */
function everyIpvsadmCommand(): IpvsCommand[] {
  const modes: ListMode[] = ['default', 'stats', 'rate', 'thresholds', 'persistent-conn'];
  const lists = modes.flatMap((mode) =>
    [undefined, ...SERVICES].flatMap((service) => [false, true].map((exact) => listCommand({ mode, exact, ...(service ? { service } : {}) }))),
  );
  const changes = SERVICES.flatMap((s) =>
    DESTS.flatMap((d) => [editDestCommand(s, d, { weight: 0 }), addDestCommand(s, d, { weight: 65_535 }), deleteDestCommand(s, d)]),
  );
  return [...lists, saveCommand(), connListCommand(), connListCommand({ persistentConn: true }), timeoutCommand(), versionCommand(), ...changes];
}

describe('the README sudoers blocks', () => {
  it('exist, and give deploy only NOPASSWD commands as root: no shell, no ALL, no command with any arguments', () => {
    expect(DIRECTORS.length).toBeGreaterThan(0);
    expect(SERVERS.length).toBeGreaterThan(0);
    for (const rule of [...DIRECTORS, ...SERVERS]) {
      expect(rule).toMatchObject({ user: 'deploy', runas: 'root', nopasswd: true });
      for (const c of rule.commands) {
        expect(c.path, 'an absolute path').toMatch(/^\//);
        expect(['sh', 'bash', 'dash', 'zsh', 'su', 'env', 'sudo', 'ALL']).not.toContain(c.path.split('/').pop());
        expect(c.args, `${c.path} with any arguments`).toBeDefined();
      }
    }
  });

  it('leave out what the tool never does: clearing or restoring tables, services, the sync daemon, other files', () => {
    for (const argv of [
      ['ipvsadm', '-C'],
      ['ipvsadm', '--clear'],
      ['ipvsadm', '-R'],
      ['ipvsadm', '-D', '-t', '10.0.0.1:80'],
      ['ipvsadm', '-A', '-t', '10.0.0.1:80'],
      ['ipvsadm', '-E', '-t', '10.0.0.1:80', '-s', 'rr'],
      ['ipvsadm', '--start-daemon', 'master'],
      ['ipvsadm', '--set', '1', '1', '1'],
      ['cat', '/etc/shadow'],
      ['cat', '/etc/keepalived/keepalived.conf', '/etc/shadow'],
      ['sh', '-c', 'ipvsadm -L -n'],
    ]) {
      expect(isAllowed(DIRECTORS, argv), argv.join(' ')).toBe(false);
    }
  });
});

describe("every command sent with sudo is in the directors' allow-list", () => {
  it('every ipvsadm builder, over services of each kind and destinations of each method', () => {
    const commands = everyIpvsadmCommand();
    expect(commands.length).toBeGreaterThan(100);
    for (const c of commands) {
      const argv = sudoArgv({ argv: c.argv, mutates: c.mutates, sudo: true });
      expect(isAllowed(DIRECTORS, argv), argv.join(' ')).toBe(true);
    }
  });

  it('doctor: its ipvsadm reads and `cat` of the documented keepalived.conf; the sysctls go without sudo', () => {
    const { reads } = directorReads({ sudo: true, keepalived: '/etc/keepalived/keepalived.conf' });
    const withSudo = reads.filter((r) => r.command.sudo);
    expect(withSudo.map((r) => r.field)).toEqual(['list', 'thresholds', 'version', 'timeout', 'keepalived']);
    for (const r of withSudo) expect(isAllowed(DIRECTORS, sudoArgv(r.command)), r.what).toBe(true);
    expect(reads.find((r) => r.field === 'sysctls')?.command.sudo).toBeFalsy();
    // Another keepalived.conf needs its own line: the rule names the file, not any file.
    expect(isAllowed(DIRECTORS, sudoArgv(keepalivedRead('/etc/keepalived/other.conf', true).command))).toBe(false);
  });

  async function release(fc: FakeCluster, pipeline = aPipeline()) {
    return runRelease(
      { cluster: fc.cluster, pipeline, batch: parseBatchSpec('1'), release: 'r2', trigger: 'manual' },
      {
        openSessions: async () => fc.sessions,
        emit: (event) => fc.emit(event),
        clock: fc.clock,
        stop: new AbortController().signal,
        confirmCanary: async () => true,
      },
    );
  }

  /** What the engine sent: with sudo only to directors, only allowed argvs, and never a shell. */
  function expectOnlyAllowed(fc: FakeCluster): number {
    const execs = fc.execs();
    expect(execs.filter((e) => e.sudo && e.role === 'server').map((e) => e.line)).toEqual([]);
    expect(execs.filter((e) => /\bsudo\b.*\bsh\b/.test(e.line)).map((e) => e.line)).toEqual([]);
    const sudoed = execs.filter((e) => e.sudo);
    for (const e of sudoed) expect(isAllowed(DIRECTORS, e.argv ?? []), e.line).toBe(true);
    return sudoed.length;
  }

  it('the engine: a release whose second server fails and is rolled back, every server rolled back too', async () => {
    const fc = createFakeCluster({
      clock: fakeClock(),
      servers: [
        { name: 'web1', address: '10.0.1.11', connections: [1, 0] },
        { name: 'web2', address: '10.0.1.12' },
      ],
      sudo: true,
    });
    fc.on('web2', /^verify r2/, { exitCode: 1 });
    expect((await release(fc)).exitCode).toBe(EXIT.failedRolledBack);
    expect(expectOnlyAllowed(fc)).toBeGreaterThan(10);
  });

  it('the engine: quiesce with a weight ramp, thresholds and NAT ports', async () => {
    const fc = createFakeCluster({
      clock: fakeClock(),
      servers: [{ name: 'web1', address: '10.0.1.11', port: 8080, forward: 'Masq', thresholds: { upper: 50, lower: 10 } }],
      sudo: true,
    });
    const pipeline = aPipeline({ drain: { method: 'quiesce', ramp: { steps: [0.1, 0.5, 1], intervalMs: 1000 } } });
    expect((await release(fc, pipeline)).exitCode).toBe(EXIT.ok);
    expect(expectOnlyAllowed(fc)).toBeGreaterThan(5);
  });

  it('a script is never sent with sudo (that would be `sudo -n sh -c`)', () => {
    expect(() => buildCommandLine({ script: 'ipvsadm -L -n', sudo: true, mutates: false })).toThrow(TypeError);
  });

  // The reaper of a timed-out command runs as the SSH user, whatever the command (src/transport/remote-kill.ts).
  it('the kill of a timed-out sudo command runs no shell as root', async () => {
    let sent = '';
    const client = {
      exec: (command: string, cb: (error: Error) => void) => {
        sent = command;
        cb(new Error('not connected'));
      },
    } as unknown as Client;
    await reapTagged(client, 'abcdef0123456789', { timeoutMs: 1_000 });
    const argv = sent.split(' ');
    expect(argv[0] !== 'sudo' || isAllowed(DIRECTORS, argv.slice(2)), sent).toBe(true);
  });
});
