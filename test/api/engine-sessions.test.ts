// What a run's sessions go through (api/engine.ts sessionWrapper): a real run's changes wait for
// the journal on the disk; a dry run's are reported, never sent.
import { describe, expect, it } from 'vitest';
import { sessionWrapper } from '../../src/api/engine.ts';
import { createFakeSession } from '../helpers/fake-transport.ts';

const change = { argv: ['ipvsadm', '-e', '-t', '10.0.0.100:80', '-r', '10.0.1.11:80', '-m', '-w', '0'], mutates: true } as const;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('the sessions of a run', () => {
  it('hold every change until the journal says it is on the disk', async () => {
    let synced!: () => void;
    const durable = new Promise<void>((resolve) => {
      synced = resolve;
    });
    const inner = createFakeSession({ fallback: {} });
    const session = sessionWrapper({ dryRun: false, journal: { durable: () => durable }, reportCommand: () => undefined, onNotDurable: () => undefined })(
      inner,
    );
    const running = session.exec(change);
    await nextTurn();
    expect(inner.calls).toHaveLength(0);
    synced();
    expect((await running).ok).toBe(true);
    expect(inner.commandLines()).toEqual(['ipvsadm -e -t 10.0.0.100:80 -r 10.0.1.11:80 -m -w 0']);
  });

  it('in a dry run, report a change and never send it', async () => {
    const reported: string[] = [];
    const inner = createFakeSession({ fallback: {} });
    const session = sessionWrapper({
      dryRun: true,
      journal: undefined,
      reportCommand: (host, command) => reported.push(`${host}: ${command}`),
      onNotDurable: () => undefined,
    })(inner);
    expect((await session.exec(change)).dryRun).toBe(true);
    expect(inner.calls).toHaveLength(0);
    expect(reported).toEqual([`${inner.target.name}: ipvsadm -e -t 10.0.0.100:80 -r 10.0.1.11:80 -m -w 0`]);
  });
});
