// The lock's commands run by a real /bin/sh in a scratch directory (as on a director), and the
// parsers that decide, in Node, whose lock it is.
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isOwnedBy,
  LOCK_FREE_EXIT,
  LOCK_HELD_EXIT,
  lockPaths,
  parseHeld,
  parseOwner,
  readLockCommand,
  readOwnerCommand,
  removeLockCommand,
  takeLockCommand,
  touchHeartbeatCommand,
  type LockOwner,
} from '../../src/lock/commands.ts';
import { buildCommandLine } from '../../src/transport/command.ts';
import type { RemoteCommand } from '../../src/transport/types.ts';
import { openSandbox, type Sandbox } from '../security/sandbox.ts';
import { thrown } from '../shell/errors.ts';

const owner = (over: Partial<LockOwner> = {}): LockOwner => ({
  token: '0123456789abcdef',
  cluster: 'web-prod',
  command: 'release',
  user: 'deploy',
  host: 'ci-1',
  pid: 42,
  startedAt: '2026-11-25T02:00:00Z',
  ...over,
});

let box: Sandbox;
beforeEach(() => {
  box = openSandbox();
});
afterEach(() => box.close());

const run = (command: RemoteCommand) => box.real(buildCommandLine(command), { stdin: typeof command.stdin === 'string' ? command.stdin : '' });
const PATH = '.lvs-release/web-prod.lock';

describe('the lock on a director (real sh)', () => {
  it('takes a free lock: exit 0, the owner file holds exactly the JSON sent on stdin, a heartbeat exists', () => {
    const me = owner({ user: `o'brien "$(id)"` });
    const taken = run(takeLockCommand(PATH, me));
    expect(taken).toMatchObject({ code: 0, stdout: '' });
    expect(readFileSync(join(box.dir, PATH, 'owner.json'), 'utf8')).toBe(`${JSON.stringify(me)}\n`);
    expect(existsSync(join(box.dir, PATH, 'heartbeat'))).toBe(true);
  });

  it('a held lock: exit LOCK_HELD_EXIT with the heartbeat age and the holder, which parses back; nothing overwritten', () => {
    const first = owner();
    run(takeLockCommand(PATH, first));
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(join(box.dir, PATH, 'heartbeat'), old, old);
    const second = run(takeLockCommand(PATH, owner({ token: 'ffffffffffffffff', pid: 7 })));
    expect(second.code).toBe(LOCK_HELD_EXIT);
    const held = parseHeld(second.stdout);
    expect(held?.owner).toEqual(first);
    expect(held?.heartbeatAgeMs).toBeGreaterThanOrEqual(3_599_000);
    expect(held?.heartbeatAgeMs).toBeLessThan(3_700_000);
    expect(parseOwner(readFileSync(join(box.dir, PATH, 'owner.json'), 'utf8'))).toEqual(first);
  });

  it('the read script: exit 0 with the holder, or LOCK_FREE_EXIT', () => {
    expect(run(readLockCommand(PATH)).code).toBe(LOCK_FREE_EXIT);
    run(takeLockCommand(PATH, owner()));
    const read = run(readLockCommand(PATH));
    expect(read.code).toBe(0);
    expect(parseHeld(read.stdout)).toEqual({ heartbeatAgeMs: expect.any(Number), owner: owner() });
  });

  it('a lock without owner file or heartbeat (planted by hand) is held by an unknown holder, aged by the directory', () => {
    mkdirSync(join(box.dir, PATH), { recursive: true });
    const old = new Date(Date.now() - 600_000);
    utimesSync(join(box.dir, PATH), old, old);
    const read = run(takeLockCommand(PATH, owner()));
    expect(read.code).toBe(LOCK_HELD_EXIT);
    const held = parseHeld(read.stdout);
    expect(held?.owner).toBeNull();
    expect(held?.heartbeatAgeMs).toBeGreaterThanOrEqual(599_000);
  });

  it('owner, heartbeat and removal are argvs: cat, touch, rm -rf -- the lock only', () => {
    run(takeLockCommand(PATH, owner()));
    mkdirSync(join(box.dir, '.lvs-release', 'other'));
    expect(parseOwner(run(readOwnerCommand(PATH)).stdout)).toEqual(owner());
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(box.dir, PATH, 'heartbeat'), old, old);
    expect(run(touchHeartbeatCommand(PATH)).code).toBe(0);
    expect(Date.now() - statSync(join(box.dir, PATH, 'heartbeat')).mtimeMs).toBeLessThan(30_000);
    expect(run(removeLockCommand(PATH)).code).toBe(0);
    expect(existsSync(join(box.dir, PATH))).toBe(false);
    expect(existsSync(join(box.dir, '.lvs-release', 'other'))).toBe(true);
    expect(run(readOwnerCommand(PATH)).code).not.toBe(0);
    expect([readOwnerCommand(PATH), touchHeartbeatCommand(PATH), removeLockCommand(PATH)].map((c) => 'argv' in c && c.argv)).toEqual([
      ['cat', '--', `${PATH}/owner.json`],
      ['touch', '--', `${PATH}/heartbeat`],
      ['rm', '-rf', '--', PATH],
    ]);
  });

  it('read-only commands say so; taking, touching and removing mutate (dry run reports them)', () => {
    expect(
      [takeLockCommand(PATH, owner()), readLockCommand(PATH), readOwnerCommand(PATH), touchHeartbeatCommand(PATH), removeLockCommand(PATH)].map(
        (c) => c.mutates,
      ),
    ).toEqual([true, false, false, true, true]);
    expect(takeLockCommand(PATH, owner()).sudo).toBeUndefined();
  });
});

describe('whose lock it is: parsed in Node, never grepped', () => {
  it('parseOwner keeps typed fields only; anything but a JSON object is no owner', () => {
    expect(parseOwner('{"token":"t","pid":"7","host":3,"user":"u"}')).toEqual({ token: 't', user: 'u' });
    for (const text of ['', 'not json', '[1]', 'null', '"s"']) expect(parseOwner(text)).toBeNull();
  });

  it('isOwnedBy compares the token and the cluster fields, not text: a token quoted in another field is not ours', () => {
    const me = owner();
    const sneaky = JSON.stringify({ token: 'aaaaaaaaaaaaaaaa', cluster: 'web-prod', note: `"token":"${me.token}"` });
    expect(isOwnedBy(parseOwner(sneaky), me)).toBe(false);
    expect(isOwnedBy(parseOwner(JSON.stringify(me)), me)).toBe(true);
    expect(isOwnedBy(parseOwner(JSON.stringify({ ...me, cluster: 'other' })), me)).toBe(false);
    expect(isOwnedBy(null, me)).toBe(false);
  });

  it('parseHeld: the age line then the owner; anything else is not an answer', () => {
    expect(parseHeld(`12\n${JSON.stringify(owner())}\n`)).toEqual({ heartbeatAgeMs: 12_000, owner: owner() });
    expect(parseHeld('3\n')).toEqual({ heartbeatAgeMs: 3_000, owner: null });
    expect(parseHeld('-2\n')).toEqual({ heartbeatAgeMs: 0, owner: null });
    expect(parseHeld('HELD 3\n')).toBeUndefined();
  });

  it('lockPaths: a leading "-" becomes ./-, a trailing slash goes, an empty path is a config error', () => {
    expect(lockPaths('-x.lock')).toEqual({ dir: './-x.lock', parent: '.', owner: './-x.lock/owner.json', heartbeat: './-x.lock/heartbeat' });
    expect(lockPaths('/var/lock/lvs/')).toMatchObject({ dir: '/var/lock/lvs', parent: '/var/lock' });
    expect(thrown(() => lockPaths(' ')).code).toBe('CONFIG_INVALID');
  });
});
