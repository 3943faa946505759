// Every listing fixture comes back byte for byte from the lab ipvsadm, with its table built by
// ipvsadm commands and its counters derived from an injected connection table.
import { describe, expect, it } from 'vitest';
import { runIpvsadm } from '../../../src/lab/ipvsadm/cli.ts';
import { createIpvsState } from '../../../src/lab/ipvsadm/state.ts';
import type { IpvsState } from '../../../src/lab/ipvsadm/state.ts';
import { readFixture } from '../../helpers/fixtures.ts';
import { scenarioState, someConns, staticConnections } from './helpers.ts';

/** Run and expect success with exactly `expected` on stdout. */
function expectOutput(state: IpvsState, argv: string[], expected: string): void {
  expect(runIpvsadm(state, argv)).toEqual({ stdout: expected, stderr: '', exitCode: 0 });
}

describe('the shared scenario (save.txt + conn-list.txt)', () => {
  it('lists -L -n as list-draining.txt, in every spelling', () => {
    const state = scenarioState();
    const expected = readFixture('ipvsadm/list-draining.txt');
    for (const argv of [['-L', '-n'], ['-Ln'], ['-ln'], ['--list', '--numeric'], ['-L'], []]) {
      expectOutput(state, argv, expected);
    }
  });

  it('lists one service without the version line (list-single-service.txt)', () => {
    const state = scenarioState();
    expectOutput(state, ['-L', '-n', '-t', '10.0.0.100:443'], readFixture('ipvsadm/list-single-service.txt'));
    expectOutput(state, ['-Lnt10.0.0.100:443'], readFixture('ipvsadm/list-single-service.txt'));
    expectOutput(state, ['--list', '--tcp-service=10.0.0.100:443', '-n'], readFixture('ipvsadm/list-single-service.txt'));
  });

  it('lists --thresholds once -e has set them (-S does not save them)', () => {
    const state = scenarioState();
    const edit = runIpvsadm(state, ['-e', '-t', '10.0.0.100:80', '-r', '10.0.1.13:80', '-g', '-w', '100', '-x', '5000', '-y', '4000']);
    expect(edit).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expectOutput(state, ['-L', '-n', '--thresholds'], readFixture('ipvsadm/list-thresholds.txt'));
    expectOutput(state, ['-S', '-n'], readFixture('ipvsadm/save.txt'));
  });

  it('lists --persistent-conn with templates counted per dest', () => {
    expectOutput(scenarioState(), ['-L', '-n', '--persistent-conn'], readFixture('ipvsadm/list-persistent-conn.txt'));
  });

  it('lists the connection table in source order (conn-list.txt)', () => {
    const state = scenarioState();
    for (const argv of [['-L', '-n', '-c'], ['-Lnc'], ['-lnc'], ['--list', '--connection', '--numeric']]) {
      expectOutput(state, argv, readFixture('ipvsadm/conn-list.txt'));
    }
  });

  it('saves the table as save.txt', () => {
    const state = scenarioState();
    expectOutput(state, ['-S', '-n'], readFixture('ipvsadm/save.txt'));
    expectOutput(state, ['--save'], readFixture('ipvsadm/save.txt'));
  });

  it('lists --stats and --rate from the injected counters', () => {
    const state = scenarioState();
    expectOutput(state, ['-L', '-n', '--stats'], readFixture('ipvsadm/list-stats.txt'));
    expectOutput(state, ['-L', '-n', '--rate'], readFixture('ipvsadm/list-rate.txt'));
  });

  it('prints the timeouts and the version', () => {
    const state = scenarioState();
    expectOutput(state, ['-L', '--timeout'], readFixture('ipvsadm/timeout.txt'));
    expectOutput(state, ['-L', '-n', '--timeout'], readFixture('ipvsadm/timeout.txt'));
    expectOutput(state, ['-v'], readFixture('ipvsadm/version.txt'));
    expectOutput(state, ['--version'], readFixture('ipvsadm/version.txt'));
  });
});

describe('tables built from commands', () => {
  it('lists an empty table and an empty connection table', () => {
    const state = createIpvsState();
    expectOutput(state, ['-L', '-n'], readFixture('ipvsadm/list-empty.txt'));
    expectOutput(state, ['-L', '-n', '-c'], readFixture('ipvsadm/conn-list-empty.txt'));
    expectOutput(state, ['-S', '-n'], '');
  });

  it('lists two DR services before a drain (list-dr-two-services.txt)', () => {
    const counts: [string, string, number, number][] = [
      ['10.0.0.100:80', '10.0.1.11:80', 41, 187],
      ['10.0.0.100:80', '10.0.1.12:80', 39, 176],
      ['10.0.0.100:80', '10.0.1.13:80', 44, 190],
      ['10.0.0.100:443', '10.0.1.11:443', 212, 35],
      ['10.0.0.100:443', '10.0.1.12:443', 198, 41],
      ['10.0.0.100:443', '10.0.1.13:443', 205, 33],
    ];
    const entries = counts.flatMap(([virtual, destination, active, inactive]) => [
      ...someConns({ count: active, virtual, destination }),
      ...someConns({ count: inactive, virtual, destination, state: 'FIN_WAIT', firstClientPort: 40000 }),
    ]);
    const state = createIpvsState({ connections: staticConnections(entries) });
    const commands = [
      ['-A', '-t', '10.0.0.100:80'],
      ['-A', '-t', '10.0.0.100:443', '-s', 'wlc', '-p', '300'],
      ...['11', '12', '13'].flatMap((host) => [
        ['-a', '-t', '10.0.0.100:80', '-r', `10.0.1.${host}`, '-w', '100'],
        ['--add-server', '--tcp-service', '10.0.0.100:443', '--real-server', `10.0.1.${host}:443`, '--gatewaying', '--weight', '100'],
      ]),
    ];
    for (const argv of commands) expect(runIpvsadm(state, argv)).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expectOutput(state, ['-L', '-n'], readFixture('ipvsadm/list-dr-two-services.txt'));
  });

  it('lists NAT with port mapping, an empty service and size=1048576 (list-nat-masq.txt)', () => {
    const entries = [
      ...someConns({ count: 23, virtual: '172.16.0.100:80', destination: '192.168.50.11:8080' }),
      ...someConns({ count: 311, virtual: '172.16.0.100:80', destination: '192.168.50.11:8080', state: 'TIME_WAIT', firstClientPort: 30000 }),
      ...someConns({ count: 19, virtual: '172.16.0.100:80', destination: '192.168.50.12:8080' }),
      ...someConns({ count: 298, virtual: '172.16.0.100:80', destination: '192.168.50.12:8080', state: 'CLOSE_WAIT', firstClientPort: 30000 }),
      ...someConns({ count: 47, virtual: '172.16.0.100:80', destination: '192.168.50.13:8081' }),
      ...someConns({ count: 602, virtual: '172.16.0.100:80', destination: '192.168.50.13:8081', state: 'FIN_WAIT', firstClientPort: 30000 }),
      ...someConns({ count: 1289, virtual: '172.16.0.100:514', destination: '192.168.50.21:514', protocol: 'UDP' }),
      ...someConns({ count: 1301, virtual: '172.16.0.100:514', destination: '192.168.50.22:514', protocol: 'UDP' }),
    ];
    const state = createIpvsState({ connTableSize: 1048576, connections: staticConnections(entries) });
    const rules = [
      '-A -u 172.16.0.100:514 -s rr',
      '-A -t 172.16.0.100:8443',
      '-A -t 172.16.0.100:80 -s rr',
      '-a -t 172.16.0.100:80 -r 192.168.50.13:8081 -m -w 2',
      '-a -t 172.16.0.100:80 -r 192.168.50.11:8080 -m',
      '-a -t 172.16.0.100:80 -r 192.168.50.12:8080 -m -w 1',
      '-a -u 172.16.0.100:514 -r 192.168.50.22 -m',
      'ipvsadm -a -u 172.16.0.100:514 -r 192.168.50.21 --masquerading',
    ];
    expect(runIpvsadm(state, ['-R'], `${rules.join('\n')}\n`)).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expectOutput(state, ['-L', '-n'], readFixture('ipvsadm/list-nat-masq.txt'));
  });
});
