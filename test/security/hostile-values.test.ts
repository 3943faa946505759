// Issue 9 item 6: every builder of a remote command, fed hostile values (quotes, $(...), backticks,
// ;, &&, |, newlines, NUL, leading -, spaces, globs), and run by a real /bin/sh. Each value is either
// refused with a clear error, or arrives as exactly one argument (or exactly that file name / file
// content) and nothing else runs: recording stubs see every call, and an injected `touch PWNED`
// would leave a file behind.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isReleaseError } from '../../src/core/errors.ts';
import { directorReads, healthFileRead, keepalivedRead } from '../../src/doctor/reads.ts';
import {
  addDestCommand,
  connListCommand,
  deleteDestCommand,
  editDestCommand,
  listCommand,
  saveCommand,
  timeoutCommand,
  versionCommand,
} from '../../src/ipvs/commands.ts';
import type { ServiceKey } from '../../src/ipvs/model.ts';
import { readCopyCommand, writeCopyCommand, type JournalCopy } from '../../src/journal/director-copy.ts';
import { ssCommand } from '../../src/lb/connections.ts';
import {
  parseHeld,
  parseOwner,
  readLockCommand,
  readOwnerCommand,
  removeLockCommand,
  takeLockCommand,
  touchHeartbeatCommand,
  type LockOwner,
} from '../../src/lock/commands.ts';
import { idempotentMoveScript } from '../../src/shell/idempotent-move.ts';
import { sh } from '../../src/shell/script.ts';
import { renderArgv, renderArgvList, renderShellTemplate } from '../../src/shell/template.ts';
import { buildCommandLine, effectiveArgv } from '../../src/transport/command.ts';
import type { RemoteCommand } from '../../src/transport/types.ts';
import { argvOf, HOSTILE, openSandbox, type Sandbox } from './sandbox.ts';
import { aDestination } from '../helpers/destination.ts';

let box: Sandbox;
beforeEach(() => {
  box = openSandbox();
});
afterEach(() => {
  // Whatever a test did, nothing was injected.
  expect(box.pwned()).toEqual([]);
  box.close();
});

const NUL = 'a\0b';
const refusal = (fn: () => unknown): { code: string; message: string } | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (isReleaseError(error)) return { code: error.code, message: error.message };
    throw error;
  }
};
const stdinOf = (command: RemoteCommand) => (typeof command.stdin === 'string' ? command.stdin : '');
const runReal = (command: RemoteCommand) => box.real(buildCommandLine(command), { stdin: stdinOf(command) });
/** An argv command: the stubs see exactly one call, with exactly its argv (sudo prefix included). */
const expectExactArgv = (command: RemoteCommand) => {
  const line = buildCommandLine(command);
  const { calls, code } = box.stubbed(line);
  expect(code, line).toBe(0);
  expect(calls, line).toEqual([effectiveArgv(command)]);
};

describe('the lock (src/lock/commands.ts)', () => {
  const owner = (user: string): LockOwner => ({ token: '0123456789abcdef', cluster: 'c', command: 'release', user, host: user, pid: 1, startedAt: user });

  it.each(HOSTILE)('lock path and owner fields %j: taken, read, touched and removed as exactly that directory', (value) => {
    mkdirSync(join(box.dir, 'keep'));
    const me = owner(value);
    expect(runReal(takeLockCommand(value, me)).code).toBe(0);
    // A leading "-" is written ./-…: the same directory.
    expect(readdirSync(box.dir).sort()).toEqual(['keep', value].sort());
    expect(readFileSync(join(box.dir, value, 'owner.json'), 'utf8')).toBe(`${JSON.stringify(me)}\n`);
    const read = runReal(readLockCommand(value));
    expect(read.code).toBe(0);
    expect(parseHeld(read.stdout)?.owner).toEqual(me);
    expect(parseOwner(runReal(readOwnerCommand(value)).stdout)).toEqual(me);
    expect(runReal(touchHeartbeatCommand(value)).code).toBe(0);
    expect(runReal(removeLockCommand(value)).code).toBe(0);
    expect(readdirSync(box.dir)).toEqual(['keep']);
    for (const c of [readOwnerCommand(value), touchHeartbeatCommand(value), removeLockCommand(value)]) expectExactArgv(c);
  });

  it('a lock path holding NUL is refused (TEMPLATE_UNSAFE) before anything is sent', () => {
    for (const build of [
      () => takeLockCommand(NUL, owner('u')),
      () => readLockCommand(NUL),
      () => buildCommandLine(readOwnerCommand(NUL)),
      () => buildCommandLine(removeLockCommand(NUL)),
    ]) {
      expect(refusal(build)?.code).toBe('TEMPLATE_UNSAFE');
    }
  });
});

describe('the journal copy on the directors (src/journal/director-copy.ts)', () => {
  const copy = (value: string) => ({ version: 1, state: { runId: value, release: value } }) as unknown as JournalCopy;

  it.each(HOSTILE)('path and content %j: written through a temp file as exactly that file (content on stdin), read back by cat', (value) => {
    const path = `copies/${value}.journal.json`;
    const write = writeCopyCommand(path, copy(value));
    expect(write.stdin).toBe(`${JSON.stringify(copy(value))}\n`);
    expect(runReal(write).code).toBe(0);
    expect(readdirSync(join(box.dir, 'copies'))).toEqual([`${value}.journal.json`]);
    expect(JSON.parse(runReal(readCopyCommand(path)).stdout)).toEqual(copy(value));
    expectExactArgv(readCopyCommand(path));
  });

  it('a path starting with "-" is ./-…; NUL in the path is refused, in the content JSON escapes it', () => {
    expect(runReal(writeCopyCommand('-j.json', copy('x'))).code).toBe(0);
    expect(existsSync(join(box.dir, '-j.json'))).toBe(true);
    expect(refusal(() => writeCopyCommand(NUL, copy('x')))?.code).toBe('TEMPLATE_UNSAFE');
    const write = writeCopyCommand('nul.json', copy(NUL));
    expect(write.stdin).not.toContain('\0');
    expect(runReal(write).code).toBe(0);
    expect(JSON.parse(readFileSync(join(box.dir, 'nul.json'), 'utf8'))).toEqual(copy(NUL));
  });
});

describe('doctor reads (src/doctor/reads.ts)', () => {
  it.each(HOSTILE)('keepalived path and health file %j: one argument each, through sudo -n when configured', (value) => {
    expectExactArgv(keepalivedRead(`/etc/keepalived/${value}`, true).command);
    expectExactArgv(keepalivedRead(value, false).command);
    expect(argvOf(box, buildCommandLine(keepalivedRead(value, false).command))).toEqual(['cat', value.startsWith('-') ? `./${value}` : value]);
    // `test` is a shell builtin: the stub records what the shell would hand it.
    expect(argvOf(box, buildCommandLine(healthFileRead(value)))).toEqual(['test', '-f', value.startsWith('-') ? `./${value}` : value]);
    for (const r of directorReads({ sudo: true, keepalived: `/etc/${value}` }).reads) expectExactArgv(r.command);
  });

  it('a relative keepalived path under sudo, or NUL anywhere, is refused', () => {
    expect(refusal(() => keepalivedRead('ka.conf', true))?.code).toBe('CONFIG_INVALID');
    expect(refusal(() => buildCommandLine(keepalivedRead(`/etc/${NUL}`, true).command))?.code).toBe('TEMPLATE_UNSAFE');
    expect(refusal(() => buildCommandLine(healthFileRead(NUL)))?.code).toBe('TEMPLATE_UNSAFE');
  });
});

describe('pipeline templates (src/shell/template.ts)', () => {
  const vars = (value: string) => ({ release: value });

  it.each(HOSTILE)('{{release}} = %j: one argument in a shell command and in an argv, or refused with a reason', (value) => {
    const refusedBecause = value.includes('\n') ? /line break/ : value.startsWith('-') ? /starts with "-"/ : undefined;
    for (const render of [() => renderShellTemplate('__argv {{release}}', vars(value)), () => renderArgv(['__argv', '{{release}}'], vars(value))]) {
      const refused = refusal(render);
      if (refusedBecause) {
        expect(refused?.code).toBe('TEMPLATE_UNSAFE');
        expect(refused?.message).toMatch(refusedBecause);
        continue;
      }
      expect(refused).toBeUndefined();
      expect(box.stubbed(render()).calls).toEqual([['__argv', value]]);
    }
    if (!refusedBecause) expect(renderArgvList(['__argv', '{{release}}'], vars(value))).toEqual(['__argv', value]);
    // Inside a word a leading "-" is harmless: the word is the command's, not the value's.
    if (!value.includes('\n')) {
      expect(box.stubbed(renderShellTemplate('__argv releases/{{release}}', vars(value))).calls).toEqual([['__argv', `releases/${value}`]]);
      expect(box.stubbed(renderArgv(['__argv', 'x{{release}}y'], vars(value))).calls).toEqual([['__argv', `x${value}y`]]);
    }
  });

  it('NUL is refused in every renderer', () => {
    expect(refusal(() => renderShellTemplate('__argv {{release}}', vars(NUL)))?.code).toBe('TEMPLATE_UNSAFE');
    expect(refusal(() => renderArgv(['__argv', '{{release}}'], vars(NUL)))?.code).toBe('TEMPLATE_UNSAFE');
    expect(refusal(() => renderArgvList(['__argv', '{{release}}'], vars(NUL)))?.code).toBe('TEMPLATE_UNSAFE');
  });
});

describe('ipvsadm command builders (src/ipvs/commands.ts)', () => {
  const service: ServiceKey = { kind: 'addr', protocol: 'tcp', family: 'inet', address: '192.168.1.181', port: 80 };
  const dest = aDestination;

  it('every builder, with and without sudo: the argv arrives exactly', () => {
    const commands = [
      listCommand(),
      listCommand({ service, mode: 'thresholds', exact: true }),
      listCommand({ mode: 'persistent-conn' }),
      saveCommand(),
      connListCommand(),
      connListCommand({ persistentConn: true }),
      timeoutCommand(),
      versionCommand(),
      editDestCommand(service, dest(), { weight: 0 }),
      addDestCommand(service, dest({ forward: 'Tunnel', tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'csum' }), { weight: 7 }),
      deleteDestCommand({ kind: 'fwmark', family: 'inet6', mark: 10 }, dest({ family: 'inet6', address: '2001:db8::1' })),
    ];
    for (const c of commands) for (const sudo of [false, true]) expectExactArgv({ argv: c.argv, mutates: c.mutates, sudo });
  });

  it.each(HOSTILE)('hostile text in a model field (%j): still one argument each, no injection', (value) => {
    const hostileService: ServiceKey = { ...service, address: value } as ServiceKey;
    const c = editDestCommand(hostileService, dest({ address: value, forward: 'Tunnel', tunnelType: value }), { weight: 1 });
    expectExactArgv({ argv: c.argv, mutates: true, sudo: true });
  });

  it('weights and thresholds that are not whole numbers in range are refused, never formatted', () => {
    for (const weight of [Number.NaN, -1, 1.5, 65_536, Number.POSITIVE_INFINITY]) {
      expect(refusal(() => editDestCommand(service, dest(), { weight }))?.code).toBe('USAGE');
    }
    expect(refusal(() => addDestCommand(service, dest({ upperThreshold: -1 }), { weight: 1 }))?.code).toBe('INTERNAL');
  });
});

describe('the ss command (src/lb/connections.ts, read-only here)', () => {
  it('the filter is one argument; nothing else runs', () => {
    const argv = ssCommand([80, 443]);
    expect(argv).toEqual(['ss', '-Htn', 'state', 'established', '( sport = :80 or sport = :443 )']);
    expectExactArgv({ argv, mutates: false });
  });
});

describe('the idempotent health-file move (src/shell/idempotent-move.ts)', () => {
  it.each(HOSTILE)('file %j: moved aside, again is a no-op, back; neither there names both exactly', (value) => {
    writeFileSync(join(box.dir, value), 'ok');
    const aside = `${value}.lvs-release-drained`;
    const move = (from: string, to: string) => box.real(idempotentMoveScript(from, to).text);
    expect(move(value, aside).code).toBe(0);
    expect(readdirSync(box.dir)).toEqual([aside]);
    expect(move(value, aside).code).toBe(0);
    expect(move(aside, value).code).toBe(0);
    expect(readFileSync(join(box.dir, value), 'utf8')).toBe('ok');
    const missing = move('nothing', aside);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`neither nothing nor ${aside.startsWith('-') ? `./${aside}` : aside} exists\n`);
  });

  it('NUL is refused', () => {
    expect(refusal(() => idempotentMoveScript(NUL, 'x'))?.code).toBe('TEMPLATE_UNSAFE');
  });
});

describe('the script builder itself (src/shell/script.ts)', () => {
  it.each(HOSTILE)('%j is one word, or refused for a leading "-"', (value) => {
    if (value.startsWith('-')) {
      expect(refusal(() => sh`__argv ${value}`)?.code).toBe('TEMPLATE_UNSAFE');
      return;
    }
    expect(box.stubbed(sh`__argv ${value} ${[value, value]}`.text).calls).toEqual([['__argv', value, value, value]]);
  });
});
