// ipvsadm semantics the drain logic depends on (LVS.md §3, §4), through the CLI.
import { describe, expect, it } from 'vitest';
import { parseIpvsList } from '../../../src/ipvs/list-parse.ts';
import { runIpvsadm } from '../../../src/lab/ipvsadm/cli.ts';
import { createIpvsState } from '../../../src/lab/ipvsadm/state.ts';
import type { IpvsChange, IpvsState } from '../../../src/lab/ipvsadm/state.ts';
import { readFixture } from '../../helpers/fixtures.ts';
import { scenarioState } from './helpers.ts';

const ok = { stdout: '', stderr: '', exitCode: 0 };
const run = (state: IpvsState, line: string, stdin = '') => runIpvsadm(state, line.split(' '), stdin);
const failure = (stderr: string, exitCode = 255) => ({ stdout: '', stderr: `${stderr}\n`, exitCode });

/** The dests of the first service, as `-L -n` lists them (address:port, method, weight). */
function listedDests(state: IpvsState, line = '-L -n'): string[] {
  const result = run(state, line);
  expect(result.exitCode).toBe(0);
  const [svc] = parseIpvsList(result.stdout).services;
  return (svc?.dests ?? []).map((d) => `${d.address}:${d.port} ${d.forward} ${d.weight}`);
}

function withService(line = '-A -t 10.0.0.100:80 -s wrr'): IpvsState {
  const state = createIpvsState();
  expect(run(state, line)).toEqual(ok);
  return state;
}

describe('-e replaces every attribute of a dest', () => {
  it('turns a NAT dest into Route, and resets its thresholds, when -m/-x/-y are not re-sent', () => {
    const state = withService();
    expect(run(state, '-a -t 10.0.0.100:80 -r 192.168.50.11:80 -m -w 5 -x 100 -y 50')).toEqual(ok);
    expect(run(state, '-e -t 10.0.0.100:80 -r 192.168.50.11:80 -w 0')).toEqual(ok);
    expect(state.services()[0]?.dests).toEqual([
      { family: 'inet', address: '192.168.50.11', port: 80, forward: 'Route', weight: 0, upperThreshold: 0, lowerThreshold: 0 },
    ]);
  });

  it('misses a port-mapped NAT dest without -m (DR forces the service port) and keeps it with -m', () => {
    const state = withService();
    expect(run(state, '-a -t 10.0.0.100:80 -r 192.168.50.11:8080 -m -w 5')).toEqual(ok);
    expect(run(state, '-e -t 10.0.0.100:80 -r 192.168.50.11:8080 -w 0')).toEqual(failure('No such destination'));
    expect(run(state, '-e -t 10.0.0.100:80 -r 192.168.50.11:8080 -m -w 0')).toEqual(ok);
    expect(listedDests(state)).toEqual(['192.168.50.11:8080 Masq 0']);
  });

  it('defaults -a to weight 1 and Route, and -r without a port to the service port', () => {
    const state = withService();
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.11')).toEqual(ok);
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.12 -m')).toEqual(ok);
    expect(listedDests(state)).toEqual(['10.0.1.11:80 Route 1', '10.0.1.12:80 Masq 1']);
  });

  it('takes the service port known when -r is read (options apply in argv order)', () => {
    const state = withService();
    expect(run(state, '-a -r 10.0.1.11 -t 10.0.0.100:80 -m')).toEqual(ok);
    expect(listedDests(state)).toEqual(['10.0.1.11:0 Masq 1']);
  });
});

describe('DR/TUN port forcing', () => {
  it('forces the service port for -g and -i on -a, never for -m', () => {
    const state = withService();
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.11:8080 -g')).toEqual(ok);
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.12:8080 -i')).toEqual(ok);
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.13:8080 -m')).toEqual(ok);
    expect(listedDests(state)).toEqual(['10.0.1.11:80 Route 1', '10.0.1.12:80 Tunnel 1', '10.0.1.13:8080 Masq 1']);
  });

  it('does not rewrite the port on -d: a NAT dest needs its own port', () => {
    const state = withService();
    expect(run(state, '-a -t 10.0.0.100:80 -r 192.168.50.11:8080 -m')).toEqual(ok);
    expect(run(state, '-d -t 10.0.0.100:80 -r 192.168.50.11')).toEqual(failure('No such destination'));
    expect(run(state, '-d -t 10.0.0.100:80 -r 192.168.50.11:8080')).toEqual(ok);
    expect(listedDests(state)).toEqual([]);
  });
});

describe('weights, deletion and the trash', () => {
  it('keeps a weight-0 dest listed with its connections', () => {
    const state = scenarioState();
    expect(run(state, '-e -t 10.0.0.100:80 -r 10.0.1.11:80 -g -w 0')).toEqual(ok);
    expect(listedDests(state)).toEqual(['10.0.1.11:80 Route 0', '10.0.1.12:80 Route 0', '10.0.1.13:80 Route 100']);
    const [svc] = parseIpvsList(run(state, '-L -n').stdout).services;
    expect(svc?.dests[0]).toMatchObject({ activeConns: 2, inactiveConns: 1 });
  });

  it('accepts weights 0..65535 only', () => {
    const state = withService();
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.11 -w 65535')).toEqual(ok);
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.12 -w 65536')).toEqual(failure('illegal weight specified', 2));
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.12 -w -1')).toEqual(failure('illegal weight specified', 2));
    expect(listedDests(state)).toEqual(['10.0.1.11:80 Route 65535']);
  });

  it('drops a deleted dest from -L (its flows stay in -c) and counts them again once re-added', () => {
    const state = scenarioState();
    expect(run(state, '-d -t 10.0.0.100:80 -r 10.0.1.13:80')).toEqual(ok);
    expect(listedDests(state)).toEqual(['10.0.1.11:80 Route 100', '10.0.1.12:80 Route 0']);
    expect(run(state, '-L -n -c').stdout).toBe(readFixture('ipvsadm/conn-list.txt'));
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.13:80 -g -w 100')).toEqual(ok);
    expect(run(state, '-L -n').stdout).toBe(readFixture('ipvsadm/list-draining.txt'));
  });
});

describe('services', () => {
  it('defaults -A to wlc, a bare -p to 360 s, and -E resets what it does not repeat', () => {
    const state = withService('-A -t 10.0.0.100:443 -p -s rr');
    expect(run(state, '-A -t 10.0.0.100:80')).toEqual(ok);
    expect(run(state, '-S -n').stdout).toBe('-A -t 10.0.0.100:80 -s wlc\n-A -t 10.0.0.100:443 -s rr -p 360\n');
    expect(run(state, '-E -t 10.0.0.100:443')).toEqual(ok);
    expect(run(state, '-S -n').stdout).toBe('-A -t 10.0.0.100:80 -s wlc\n-A -t 10.0.0.100:443 -s wlc\n');
  });

  it('knows the kernel schedulers and the sip persistence engine', () => {
    const state = createIpvsState();
    const schedulers = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'];
    for (const [i, s] of schedulers.entries()) expect(run(state, `-A -t 10.0.0.100:${8000 + i} -s ${s}`)).toEqual(ok);
    expect(run(state, '-A -u 10.0.0.100:5060 -s rr -p 60 --pe sip')).toEqual(ok);
    expect(run(state, '-L -n -u 10.0.0.100:5060').stdout).toContain('UDP  10.0.0.100:5060 rr persistent 60 pe sip\n');
    expect(run(state, '-A -u 10.0.0.100:5061 --pe nosuch -p')).toEqual(failure('Scheduler or persistence engine not found'));
    expect(run(state, '-E -t 10.0.0.100:8000 -s twosies')).toEqual(failure('Scheduler or persistence engine not found'));
  });

  it('lists scheduler flags by scheduler, and refuses flags of another scheduler', () => {
    const state = withService('-A -t 10.0.0.200:3306 -s sh -b sh-fallback,sh-port');
    expect(run(state, '-L -n').stdout).toContain('TCP  10.0.0.200:3306 sh (sh-fallback,sh-port)\n');
    expect(run(state, '-S -n').stdout).toBe('-A -t 10.0.0.200:3306 -s sh -b sh-fallback,sh-port\n');
    expect(run(state, '-A -t 10.0.0.200:3307 -s rr -b sh-port')).toEqual(failure("incompatible scheduler flag `sh-port'", 2));
    expect(run(state, '-A -t 10.0.0.200:3307 -b nope')).toEqual(failure("invalid scheduler flag `nope'", 2));
  });

  it('supports fwmark and IPv6 services', () => {
    const state = withService('-A -f 1 -s rr -p 600 -M 255.255.255.0');
    expect(run(state, '-a -f 1 -r 10.0.1.11 -g -w 2')).toEqual(ok);
    expect(run(state, '-A -t [2001:db8::1]:80')).toEqual(ok);
    expect(run(state, '-a -t [2001:db8::1]:80 -r [2001:db8::11]:8080 -m')).toEqual(ok);
    expect(run(state, '-a -t [2001:db8::1]:80 -r 10.0.1.11 -m')).toEqual(failure('Different address family is allowed only for tunneling servers', 2));
    expect(run(state, '-S -n').stdout).toBe(
      '-A -t [2001:db8::1]:80 -s wlc\n-a -t [2001:db8::1]:80 -r [2001:db8::11]:8080 -m -w 1\n' +
        '-A -f 1 -s rr -p 600 -M 255.255.255.0\n-a -f 1 -r 10.0.1.11:0 -g -w 2\n',
    );
  });

  it('refuses non-unicast real servers with EINVAL (1.27-1.29: "Argument list too long")', () => {
    const state = withService();
    for (const rip of ['0.0.0.0', '255.255.255.255', '239.1.2.3']) {
      expect(run(state, `-a -t 10.0.0.100:80 -r ${rip}`)).toEqual(failure('Invalid operation.  Possibly wrong module version, address not unicast, ...'));
    }
    state.legacyWording = true;
    expect(run(state, '-a -t 10.0.0.100:80 -r 224.0.0.5')).toEqual(failure('Argument list too long'));
    expect(listedDests(state)).toEqual([]);
  });

  it('refuses a lower threshold above the upper one (ERANGE)', () => {
    const state = withService();
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.11 -y 10')).toEqual(failure('Numerical result out of range'));
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.11 -x 20 -y 10')).toEqual(ok);
  });

  it('clears the table with -C and lists services in insertion order with --nosort', () => {
    const state = withService('-A -t 10.0.0.100:443');
    expect(run(state, '-A -t 10.0.0.100:80')).toEqual(ok);
    const names = (line: string) => parseIpvsList(run(state, line).stdout).services.map((s) => (s.key.kind === 'addr' ? s.key.port : 0));
    expect(names('-L -n')).toEqual([80, 443]);
    expect(names('-L -n --nosort')).toEqual([443, 80]);
    expect(run(state, '--clear')).toEqual(ok);
    expect(run(state, '-L -n').stdout).toBe(readFixture('ipvsadm/list-empty.txt'));
  });
});

describe('change events', () => {
  it('reports each change with the values before and after', () => {
    const state = scenarioState();
    const changes: IpvsChange[] = [];
    const unsubscribe = state.subscribe((c) => changes.push(c));
    const web3 = { family: 'inet', address: '10.0.1.13', port: 80, forward: 'Route', upperThreshold: 0, lowerThreshold: 0 };
    const svc80 = { kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 80 };
    expect(run(state, '-e -t 10.0.0.100:80 -r 10.0.1.13:80 -g -w 0')).toEqual(ok);
    expect(run(state, '-d -t 10.0.0.100:80 -r 10.0.1.13:80')).toEqual(ok);
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.13:80 -w 50')).toEqual(ok);
    expect(run(state, '-d -t 10.0.0.100:80 -r 10.0.1.99:80').exitCode).toBe(255);
    expect(changes).toEqual([
      { type: 'dest-edited', service: svc80, before: { ...web3, weight: 100 }, after: { ...web3, weight: 0 } },
      { type: 'dest-deleted', service: svc80, before: { ...web3, weight: 0 } },
      { type: 'dest-added', service: svc80, after: { ...web3, weight: 50 } },
    ]);
    changes.length = 0;
    expect(run(state, '-E -t 10.0.0.100:443 -s rr')).toEqual(ok);
    expect(changes).toEqual([expect.objectContaining({ type: 'service-edited', before: expect.objectContaining({ scheduler: 'wlc', persistent: 300 }) })]);
    expect(changes[0]).toMatchObject({ after: { scheduler: 'rr' } });
    expect(changes[0] && 'after' in changes[0] && 'persistent' in changes[0].after).toBe(false);
    changes.length = 0;
    expect(run(state, '-D -u 10.0.0.100:53')).toEqual(ok);
    expect(changes.map((c) => c.type)).toEqual(['dest-deleted', 'dest-deleted', 'dest-deleted', 'service-deleted']);
    unsubscribe();
    expect(run(state, '-C')).toEqual(ok);
    expect(changes).toHaveLength(4);
  });

  it('reports timeouts and zeroing; -Z zeroes the injected counters', () => {
    const state = scenarioState();
    const changes: IpvsChange[] = [];
    state.subscribe((c) => changes.push(c));
    expect(run(state, '--set 0 60 0')).toEqual(ok);
    expect(run(state, '-L --timeout').stdout).toBe('Timeout (tcp tcpfin udp): 900 60 300\n');
    expect(run(state, '-Z -t 10.0.0.100:80')).toEqual(ok);
    expect(run(state, '-Z')).toEqual(ok);
    expect(state.stats.zeroed).toEqual([{ kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 80 }, undefined]);
    expect(changes).toEqual([
      { type: 'timeouts-set', before: { tcp: 900, tcpFin: 120, udp: 300 }, after: { tcp: 900, tcpFin: 60, udp: 300 } },
      { type: 'zeroed', service: { kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 80 } },
      { type: 'zeroed' },
    ]);
  });
});
