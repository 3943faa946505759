import { describe, expect, it } from 'vitest';
import { buildDoctorInput, parseVsSysctls, type DoctorRawInput } from '../../src/doctor/input.ts';
import { readFixture } from '../helpers/fixtures.ts';
import { aServer, DNS, DRAIN, HTTP, HTTPS } from './builders.ts';

const cluster: DoctorRawInput['cluster'] = {
  services: [HTTP, HTTPS, DNS].map((key) => ({ key })),
  realServers: [1, 2, 3].map((n) => {
    const s = aServer(n, [HTTP, HTTPS, DNS]);
    return { name: s.name, address: s.address, destinations: s.destinations, app: { healthFile: '/srv/app/health/ready.html' } };
  }),
};

describe('parseVsSysctls', () => {
  it('reads one text per sysctl', () => {
    expect(parseVsSysctls({ expire_quiescent_template: '1\n', conn_reuse_mode: ' 2 ', expire_nodest_conn: 'oops' })).toEqual({
      expire_quiescent_template: 1,
      conn_reuse_mode: 2,
    });
  });

  it('reads `sysctl net.ipv4.vs.*` and `grep -H . /proc/sys/net/ipv4/vs/*` output', () => {
    expect(parseVsSysctls('net.ipv4.vs.expire_quiescent_template = 0\nnet.ipv4.vs.conn_reuse_mode = 1\nnet.ipv4.vs.am_droprate = 10\n')).toEqual({
      expire_quiescent_template: 0,
      conn_reuse_mode: 1,
    });
    expect(parseVsSysctls('/proc/sys/net/ipv4/vs/expire_nodest_conn:1\n')).toEqual({ expire_nodest_conn: 1 });
  });
});

describe('buildDoctorInput', () => {
  it('builds the cluster side and the pipeline drain settings', () => {
    const input = buildDoctorInput({
      cluster,
      pipeline: { drain: { ...DRAIN, settleMs: 2000, pollMs: 1000, threshold: 0 } },
      directors: [],
      healthFiles: { web1: true },
    });
    expect(input.services).toEqual([HTTP, HTTPS, DNS]);
    expect(input.servers[0]).toMatchObject({ name: 'web1', address: '10.0.1.11', healthFile: '/srv/app/health/ready.html' });
    expect(input.servers[0]?.destinations).toHaveLength(3);
    expect(input.drain).toEqual(DRAIN);
    expect(input.healthFiles).toEqual({ web1: true });
  });

  it('reads every raw text of a director, thresholds overlaid on the listing', () => {
    const input = buildDoctorInput({
      cluster,
      directors: [
        {
          name: 'lvs1',
          list: readFixture('ipvsadm/list-draining.txt'),
          thresholds: readFixture('ipvsadm/list-thresholds.txt'),
          keepalivedPath: '/etc/keepalived/keepalived.conf',
          keepalived: readFixture('keepalived/pair-a-master.conf'),
          sysctls: { expire_quiescent_template: '1' },
          version: readFixture('ipvsadm/version.txt'),
          timeout: readFixture('ipvsadm/timeout.txt'),
        },
      ],
    });
    const [director] = input.directors;
    expect(director?.unreadable).toEqual([]);
    const http = director?.table?.services[0];
    expect(http?.dests.map((d) => [d.address, d.weight, d.upperThreshold])).toEqual([
      ['10.0.1.11', 100, 0],
      ['10.0.1.12', 0, 0],
      ['10.0.1.13', 100, 5000],
    ]);
    expect(director?.keepalived?.path).toBe('/etc/keepalived/keepalived.conf');
    expect(director?.keepalived?.parsed.config.globalDefs?.routerId).toBe('lvs-a');
    expect(director?.sysctls).toEqual({ expire_quiescent_template: 1 });
    expect(director?.ipvsadm?.version).toBe('1.31');
    expect(director?.timeouts).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
  });

  it('tolerates missing pieces and turns unparsable or failed ones into `unreadable`', () => {
    const input = buildDoctorInput({
      cluster,
      directors: [
        { name: 'lvs1' },
        { name: 'lvs2', list: 'garbage\n', version: 'ipvsadm 9\n', failed: { keepalived: 'cat: /etc/keepalived/keepalived.conf: No such file or directory' } },
      ],
    });
    expect(input.drain).toBeUndefined();
    expect(input.directors[0]).toEqual({ name: 'lvs1', unreadable: [] });
    expect(input.directors[1]?.table).toBeUndefined();
    expect(input.directors[1]?.unreadable.map((u) => u.what)).toEqual(['keepalived', 'ipvsadm -L -n', 'ipvsadm -v']);
    expect(input.directors[1]?.unreadable[1]?.reason).toMatch(/not an ipvsadm -L -n title|ipvsadm/);
  });
});
