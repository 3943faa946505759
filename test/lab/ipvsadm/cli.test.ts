// How the lab ipvsadm reads its command line, -R input and start-up faults, message by message.
import { describe, expect, it } from 'vitest';
import { runIpvsadm } from '../../../src/lab/ipvsadm/cli.ts';
import { createIpvsState } from '../../../src/lab/ipvsadm/state.ts';
import type { IpvsState } from '../../../src/lab/ipvsadm/state.ts';
import { readFixture } from '../../helpers/fixtures.ts';
import { scenarioState } from './helpers.ts';

const ok = { stdout: '', stderr: '', exitCode: 0 };
const run = (state: IpvsState, line: string, stdin = '') => runIpvsadm(state, line.split(' '), stdin);
const failure = (stderr: string, exitCode = 2) => ({ stdout: '', stderr: `${stderr}\n`, exitCode });
const HINT = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.";

describe('option parsing', () => {
  it('needs a command first', () => {
    const state = scenarioState();
    for (const line of ['-n -L', '-nL', 'foo', '-t 10.0.0.100:80', '--bogus']) expect(run(state, line)).toEqual(failure(HINT, 255));
    expect(runIpvsadm(state, ['--bogus'], '', { program: '/usr/sbin/ipvsadm' }).stderr).toBe(
      "Try `/usr/sbin/ipvsadm -h' or '/usr/sbin/ipvsadm --help' for more information.\n",
    );
  });

  it('refuses a second command or -h/-v after the first, naming the argv word', () => {
    const state = scenarioState();
    expect(run(state, '-a -d -t 10.0.0.100:80 -r 10.0.1.12:80')).toEqual(failure("invalid option `-d'"));
    expect(run(state, '-Ld')).toEqual(failure("invalid option `-Ld'"));
    expect(run(state, '-L -v')).toEqual(failure("invalid option `-v'"));
    expect(run(state, '-L --stop-daemon master')).toEqual(failure("invalid option `master'"));
  });

  it('reports popt errors as "WORD: reason" with status 255', () => {
    const state = scenarioState();
    expect(run(state, '-L --bogus')).toEqual(failure('--bogus: unknown option', 255));
    expect(run(state, '-Lq')).toEqual(failure('-Lq: unknown option', 255));
    expect(run(state, '-A -t')).toEqual(failure('-t: missing argument', 255));
    expect(run(state, '-L --numeric=yes')).toEqual(failure('--numeric=yes: option does not take an argument', 255));
  });

  it('reads attached, separate and --long=value arguments', () => {
    const state = createIpvsState();
    expect(run(state, '-A -t10.0.0.100:80 -srr')).toEqual(ok);
    expect(run(state, '--add-server --tcp-service=10.0.0.100:80 --real-server=10.0.1.11 --masquerading --weight=7')).toEqual(ok);
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.12 -mw 3')).toEqual(ok);
    expect(run(state, '-S -n').stdout).toBe(
      '-A -t 10.0.0.100:80 -s rr\n-a -t 10.0.0.100:80 -r 10.0.1.11:80 -m -w 7\n-a -t 10.0.0.100:80 -r 10.0.1.12:80 -m -w 3\n',
    );
  });

  it('checks options against the command', () => {
    const state = scenarioState();
    expect(run(state, '-A -t 10.0.0.100:81 -w 3')).toEqual(failure("Illegal 'weight' option with the 'add-service' command"));
    expect(run(state, '-a -t 10.0.0.100:80')).toEqual(failure("You need to supply the 'real-server' option for the 'add-server' command"));
    expect(run(state, '-L -n -c -t 10.0.0.100:80')).toEqual(
      failure("The option 'service-address' conflicts with the 'connection' option in the 'list' command"),
    );
    expect(run(state, '-L --timeout --stats')).toEqual(failure('options conflicts in the list command'));
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.14 -w 1 -w 2')).toEqual(failure("multiple 'weight' options specified"));
    expect(run(state, '-L -n extra')).toEqual(failure('unexpected argument extra'));
    expect(run(state, '-A -t 10.0.0.100:81 -o')).toEqual(failure('One-Packet Scheduling is only for UDP virtual services'));
    expect(run(state, '-A -t 10.0.0.100:81 -6')).toEqual({ stdout: '', stderr: '-6 used before -f\n\n', exitCode: 2 });
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.14 -g --tun-type gue')).toEqual(failure('Tunnel options conflict with forward method'));
    expect(run(state, '-a -t 10.0.0.100:80 -r 10.0.1.14 -i --tun-type gue')).toEqual(
      failure("You need to supply the 'tun-port' option for the 'gue' tunnel type"),
    );
    expect(run(state, '-A -t 10.0.0.100:81 -p 0')).toEqual(failure("invalid timeout value `0' specified"));
    expect(run(state, '-A -t 10.0.0.100:81 -M 255.255.x.0 -p')).toEqual(failure('illegal virtual server persistent mask specified'));
    expect(run(state, '-A -f 0')).toEqual(failure("invalid fwmark value `0' specified"));
    expect(run(state, '-S -n').stdout).toBe(readFixture('ipvsadm/save.txt'));
  });

  it('reads --set tcp tcpfin udp', () => {
    const state = createIpvsState();
    expect(run(state, '--set 1 2')).toEqual(failure('--set option requires 3 timeout values'));
    expect(run(state, '--set 1 2 x')).toEqual(failure("invalid timeout value `x' specified"));
    expect(run(state, '--set 1 2 3 4')).toEqual(failure('unexpected argument 4'));
    expect(run(state, '--set 1000 0 30')).toEqual(ok);
    expect(run(state, '-L --timeout').stdout).toBe('Timeout (tcp tcpfin udp): 1000 120 30\n');
  });

  it('prints help on stdout with status 0', () => {
    const result = run(createIpvsState(), '-h');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.startsWith(`${readFixture('ipvsadm/version.txt')}Usage:\n`)).toBe(true);
    expect(result.stdout).toContain('  --list            -L|-l     list the table\n');
  });

  it('lists --tun-info with the TunnelInfo column: ipip, gue:PORT:flags, gre:flags, n/a for other methods', () => {
    const state = createIpvsState();
    for (const line of [
      '-A -t 10.0.0.100:80 -s wlc',
      '-a -t 10.0.0.100:80 -r 10.0.1.11 -g -w 100',
      '-a -t 10.0.0.100:80 -r 10.0.1.12 -i -w 50',
      '-a -t 10.0.0.100:80 -r 10.0.1.13 -i --tun-type gue --tun-port 6080 --tun-csum -w 20',
      '-a -t 10.0.0.100:80 -r 10.0.1.14 -i --tun-type gre --tun-remcsum -w 10',
      '-a -t 10.0.0.100:80 -r 10.0.1.15:8080 -m -w 1',
    ])
      expect(run(state, line)).toEqual(ok);
    const title = 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n';
    const rows = [
      'TCP  10.0.0.100:80 wlc',
      '  -> 10.0.1.11:80                 Route   n/a           100    0          0         ',
      '  -> 10.0.1.12:80                 Tunnel  ipip          50     0          0         ',
      '  -> 10.0.1.13:80                 Tunnel  gue:6080:+c   20     0          0         ',
      '  -> 10.0.1.14:80                 Tunnel  gre:r+c       10     0          0         ',
      '  -> 10.0.1.15:8080               Masq    n/a           1      0          0         ',
    ]
      .map((l) => `${l}\n`)
      .join('');
    expect(run(state, '-L -n --tun-info')).toEqual({ stdout: `IP Virtual Server version 1.2.1 (size=4096)\n${title}${rows}`, stderr: '', exitCode: 0 });
    // One service: list_service, no version line; a missing one is "No such service", status 1.
    expect(run(state, '-L -n --tun-info -t 10.0.0.100:80').stdout).toBe(`${title}${rows}`);
    expect(run(state, '-L -n --tun-info -t 10.0.0.100:81')).toEqual(failure('No such service', 1));
  });

  it('runs sync daemons and lists them with --daemon', () => {
    const state = createIpvsState();
    expect(run(state, '-L --daemon')).toEqual(ok);
    expect(run(state, '--start-daemon master --mcast-interface eth1 --syncid 51')).toEqual(ok);
    expect(run(state, '--start-daemon master')).toEqual(failure('Daemon has already run', 255));
    expect(run(state, '--start-daemon sideways')).toEqual(failure('illegal start-daemon parameter specified'));
    expect(run(state, '--stop-daemon backup')).toEqual(failure('No daemon is running', 255));
    expect(run(state, '-L --daemon').stdout).toBe('master sync daemon (mcast=eth1, syncid=51, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n');
    expect(run(state, '--stop-daemon master')).toEqual(ok);
    expect(run(state, '-L --daemon').stdout).toBe('');
  });
});

describe('-R', () => {
  it("goes on after a kernel error, and exits with the last line's status", () => {
    const state = createIpvsState();
    const input = 'ipvsadm -A -t 10.0.0.100:80\n\n   \n-A -t 10.0.0.100:80\n-A -t 10.0.0.100:81 -s rr\n';
    expect(run(state, '-R', input)).toEqual({ stdout: '', stderr: 'Service already exists\n', exitCode: 0 });
    expect(run(state, '-R', '-D -t 10.0.0.100:81\n-D -t 10.0.0.100:81')).toEqual(failure('No such service', 255));
    expect(run(state, '-S -n').stdout).toBe('-A -t 10.0.0.100:80 -s wlc\n');
  });

  it('stops at a usage error, keeping what earlier lines did', () => {
    const state = createIpvsState();
    const input = '-A -t 10.0.0.100:80\n-a -t 10.0.0.100:80 -r 10.0.1.11 -w 99999\n-A -t 10.0.0.100:81\n';
    expect(run(state, '-R', input)).toEqual(failure('illegal weight specified'));
    expect(run(state, '-S -n').stdout).toBe('-A -t 10.0.0.100:80 -s wlc\n');
  });

  it('prints what listing lines print, refuses a nested -R and does not honour # comments', () => {
    const state = scenarioState();
    expect(run(state, '-R', '-L --timeout\n')).toEqual({ stdout: readFixture('ipvsadm/timeout.txt'), stderr: '', exitCode: 0 });
    expect(run(state, '-R', '-R\n')).toEqual(failure(HINT, 255));
    expect(run(state, '-R', '# a comment\n-C\n')).toEqual(failure(HINT, 255));
    expect(run(state, '-R -n')).toEqual(failure("Illegal 'numeric' option with the 'restore' command"));
    expect(run(state, '-S -n').stdout).toBe(readFixture('ipvsadm/save.txt'));
  });
});

describe('start-up faults', () => {
  it('fails every command, -v included, until the fault is cleared', () => {
    const state = scenarioState({ kernelRelease: '5.15.0-91-generic' });
    state.initError = 'no-ipvs';
    const noIpvs = failure(
      'modprobe: FATAL: Module ip_vs not found in directory /lib/modules/5.15.0-91-generic\n' +
        "Can't initialize ipvs: Protocol not available\n" +
        'Are you sure that IP Virtual Server is built in the kernel or as module?',
    );
    for (const line of ['-v', '-C', '-L -n', '-d -t 10.0.0.100:80 -r 10.0.1.11:80']) expect(run(state, line)).toEqual(noIpvs);
    expect(runIpvsadm(state, [])).toEqual(noIpvs);
    state.initError = undefined;
    expect(run(state, '-L -n').stdout).toBe(readFixture('ipvsadm/list-draining.txt'));
  });
});
