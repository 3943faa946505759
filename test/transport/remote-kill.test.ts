// The reaper script, run locally against real processes (sshd-started commands are covered in ssh-exec).
import { spawn, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReaperScript, buildTaggedCommandLine, TAG_VARIABLE } from '../../src/transport/remote-kill.ts';
import { pgrep, uniqueSleep, waitFor } from './support.ts';

const markers: string[] = [];
afterEach(() => {
  for (const marker of markers.splice(0)) spawnSync('pkill', ['-f', `sleep ${marker}`]);
});

/** Starts a tagged command in its own session, as sshd does (setsid), and returns its marker. */
async function startTagged(tag: string): Promise<string> {
  const marker = uniqueSleep();
  markers.push(marker);
  const child = spawn('bash', ['-c', buildTaggedCommandLine(`sleep ${marker}; echo after`, tag)], { detached: true, stdio: 'ignore' });
  child.unref();
  await waitFor('the tagged sleep to start', () => pgrep(`sleep ${marker}`).length > 0);
  return marker;
}

describe('tagging and reaping', () => {
  it('exports the tag before the command', () => {
    expect(buildTaggedCommandLine('echo hi', 'abcdef0123456789')).toBe(`export ${TAG_VARIABLE}=abcdef0123456789\necho hi`);
  });

  it('kills the whole session of the tagged command and spares others', async () => {
    const victim = await startTagged('aaaaaaaaaaaaaaaa');
    const bystander = await startTagged('bbbbbbbbbbbbbbbb');
    const run = spawnSync('sh', ['-s'], { input: buildReaperScript('aaaaaaaaaaaaaaaa'), encoding: 'utf8' });
    expect(run.status).toBe(0);
    await waitFor('the tagged shell and sleep to die', () => pgrep(`sleep ${victim}`).length === 0);
    expect(pgrep(`sleep ${bystander}`).length).toBeGreaterThan(0);
  });

  it('succeeds when nothing carries the tag', () => {
    const run = spawnSync('sh', ['-s'], { input: buildReaperScript('cccccccccccccccc'), encoding: 'utf8' });
    expect(run.status).toBe(0);
  });

  it('refuses a tag that is not hex (it is pasted into a script)', () => {
    expect(() => buildReaperScript("x'; rm -rf /")).toThrow(TypeError);
  });
});
