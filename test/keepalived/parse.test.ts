import { describe, expect, it } from 'vitest';
import { formatDiagnostic, hasConfigErrors, parseKeepalivedConf } from '../../src/keepalived/parse.ts';
import { renderKeepalivedConf } from '../../src/lab/net/keepalived-conf.ts';
import { readFixture } from '../helpers/fixtures.ts';

const fixture = (name: string) => parseKeepalivedConf(readFixture(`keepalived/${name}.conf`));
const lines = (text: string) => parseKeepalivedConf(text).diagnostics.map(formatDiagnostic);

describe('parseKeepalivedConf on the fixtures', () => {
  it('reads pair A (MASTER) without a diagnostic', () => {
    const { config, diagnostics } = fixture('pair-a-master');
    expect(diagnostics).toEqual([]);
    expect(config.globalDefs).toMatchObject({
      routerId: 'lvs-a',
      lvsSyncDaemon: { interface: 'eth1', instance: 'VI_WEB', id: 51 },
      lvsFlush: false,
    });
    expect(config.vrrpInstances).toEqual([
      expect.objectContaining({
        name: 'VI_WEB',
        state: 'MASTER',
        interface: 'eth0',
        virtualRouterId: 51,
        priority: 150,
        advertInt: 1,
        nopreempt: false,
        virtualIpAddresses: ['10.0.0.100/32 dev eth0 label eth0:vip'],
        authentication: { type: 'PASS', pass: 'Kx9vQ2mt' },
      }),
    ]);
    const [http, https, dns] = config.virtualServers;
    expect(http).toMatchObject({
      address: { kind: 'addr', address: '10.0.0.100', port: 80 },
      scheduler: 'wlc',
      method: 'DR',
      protocol: 'TCP',
      delayLoop: 5,
      quorum: 100,
      hysteresis: 0,
      sorryServer: { address: '10.0.9.10', port: 80 },
      line: 32,
    });
    expect(http?.realServers.map((rs) => [rs.address, rs.port, rs.weight, rs.inhibitOnFailure])).toEqual([
      ['10.0.1.11', 80, 100, true],
      ['10.0.1.12', 80, 100, true],
      ['10.0.1.13', 80, 100, true],
    ]);
    expect(http?.realServers[0]?.checkers).toEqual([
      expect.objectContaining({
        type: 'HTTP_GET',
        urls: [{ path: '/health/ready.html', statusCode: '200', line: 45 }],
        virtualhost: 'www.example.com',
        connectTimeout: 3,
        retry: 3,
        delayBeforeRetry: 2,
        nbGetRetry: false,
      }),
    ]);
    expect(https).toMatchObject({ persistenceTimeout: 300, sorryServer: undefined, quorum: 1 });
    expect(https?.realServers[0]?.checkers[0]).toMatchObject({ type: 'TCP_CHECK', connectPort: 443, retry: 2 });
    expect(dns).toMatchObject({ protocol: 'UDP', scheduler: 'rr' });
    expect(dns?.realServers.map((rs) => [rs.weight, rs.inhibitOnFailure, rs.checkers[0]?.type])).toEqual([
      [1, false, 'DNS_CHECK'],
      [1, false, 'DNS_CHECK'],
      [1, false, 'DNS_CHECK'],
    ]);
  });

  it('reads pair C (MASTER) with NAT, alpha/omega and a sync group without a diagnostic', () => {
    const { config, diagnostics } = fixture('pair-c-master');
    expect(diagnostics).toEqual([]);
    expect(config.vrrpInstances.map((v) => v.name)).toEqual(['VI_EXT', 'VI_INT']);
    expect(config.virtualServers[0]).toMatchObject({ method: 'NAT', alpha: true, omega: true });
    expect(config.virtualServers[0]?.realServers.map((rs) => `${rs.address}:${rs.port}`)).toEqual(['192.168.50.11:8080', '192.168.50.12:8080']);
    expect(config.nodes.map((n) => n.keyword)).toEqual(['global_defs', 'vrrp_sync_group', 'vrrp_instance', 'vrrp_instance', 'virtual_server']);
  });

  it('reports the broken BACKUP of pair C as keepalived would, and names the unclosed url block', () => {
    const parsed = fixture('pair-c-backup');
    expect(parsed.diagnostics.map(formatDiagnostic)).toEqual([
      "(Line 49) 'url' block opened here is probably never closed: the '}' on line 56 lines up with 'HTTP_GET' (line 48)",
      "(Line 53) Unknown keyword 'connect_timeout'",
      "(Line 54) Unknown keyword 'retry'",
      "(Line 55) Unknown keyword 'delay_before_retry'",
      "(Line 59) Unknown keyword 'real_server'",
      "(Line 59) Unexpected '{' - ignoring",
      "(Line 71) There are 1 missing '}'s or extra '{'s",
    ]);
    expect(parsed.diagnostics[0]?.severity).toBe('hint');
    expect(hasConfigErrors(parsed)).toBe(true);
  });

  it('models what keepalived runs after that brace: 192.168.50.12 is swallowed into .11', () => {
    const vs = fixture('pair-c-backup').config.virtualServers[0];
    expect(vs?.realServers.map((rs) => rs.address)).toEqual(['192.168.50.11']);
    expect(vs?.realServers[0]?.checkers.map((c) => [c.type, c.connectTimeout, c.line])).toEqual([
      ['HTTP_GET', undefined, 48],
      ['HTTP_GET', 2, 61],
    ]);
  });
});

describe('parseKeepalivedConf defaults and forms', () => {
  it('applies keepalived defaults: NAT, TCP, weight 1, quorum 1, hysteresis 0', () => {
    const vs = parseKeepalivedConf('virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n }\n}\n').config.virtualServers[0];
    expect(vs).toMatchObject({ method: 'NAT', protocol: 'TCP', quorum: 1, hysteresis: 0, inhibitOnFailure: false, persistenceTimeout: undefined });
    expect(vs?.realServers[0]).toMatchObject({ weight: 1, inhibitOnFailure: false, checkers: [] });
  });

  it('reads a bare persistence_timeout as 360 and the lb_algo/lb_kind aliases', () => {
    const vs = parseKeepalivedConf('virtual_server 10.0.0.1 80 {\n persistence_timeout\n lb_algo sh\n lb_kind TUN\n sh-fallback\n}\n').config.virtualServers[0];
    expect(vs).toMatchObject({ persistenceTimeout: 360, scheduler: 'sh', method: 'TUN', schedulerFlags: ['sh-fallback'] });
  });

  it('lets a virtual_server inhibit_on_failure default its real servers, which may switch it off', () => {
    const text =
      'virtual_server 10.0.0.1 80 {\n inhibit_on_failure\n real_server 10.0.1.1 80 {\n }\n real_server 10.0.1.2 80 {\n  inhibit_on_failure off\n }\n}\n';
    expect(parseKeepalivedConf(text).config.virtualServers[0]?.realServers.map((rs) => rs.inhibitOnFailure)).toEqual([true, false]);
  });

  it('reads nb_get_retry as retry and reports its deprecation', () => {
    const text = 'virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n  HTTP_GET {\n   nb_get_retry 4\n  }\n }\n}\n';
    const parsed = parseKeepalivedConf(text);
    expect(parsed.config.virtualServers[0]?.realServers[0]?.checkers[0]).toMatchObject({ retry: 4, nbGetRetry: true });
    expect(parsed.diagnostics.map(formatDiagnostic)).toEqual(["(Line 3) nb_get_retry is deprecated - please use 'retry'"]);
  });

  it('reads fwmark and group virtual servers, lvs_timeouts, lvs_flush and nopreempt', () => {
    const text = [
      'global_defs {',
      ' lvs_timeouts tcp 7200 tcpfin 60 udp 30',
      ' lvs_flush',
      '}',
      'vrrp_instance V {',
      ' state BACKUP',
      ' nopreempt',
      ' unicast_src_ip 10.0.0.2',
      ' unicast_peer {',
      '  10.0.0.3',
      ' }',
      '}',
      'virtual_server_group G {',
      ' 10.0.0.100 80',
      '}',
      'virtual_server fwmark 7 {',
      '}',
      'virtual_server group G {',
      '}',
    ].join('\n');
    const { config, diagnostics } = parseKeepalivedConf(text);
    expect(diagnostics).toEqual([]);
    expect(config.globalDefs).toMatchObject({ lvsTimeouts: { tcp: 7200, tcpFin: 60, udp: 30 }, lvsFlush: true, lvsSyncDaemon: undefined });
    expect(config.vrrpInstances[0]).toMatchObject({ nopreempt: true, unicastSrcIp: '10.0.0.2', unicastPeers: ['10.0.0.3'] });
    expect(config.virtualServers.map((v) => v.address)).toEqual([
      { kind: 'fwmark', mark: 7 },
      { kind: 'group', name: 'G' },
    ]);
    expect(config.virtualServerGroups).toEqual({ G: [['10.0.0.100', '80']] });
  });

  it('reports unknown keywords only inside the blocks it models', () => {
    const text = [
      'global_defs {',
      ' some_future_option 1',
      ' notification_email {',
      '  ops@example.com',
      ' }',
      '}',
      'virtual_server 10.0.0.1 80 {',
      ' conect_timeout 3',
      ' real_server 10.0.1.1 80 {',
      '  wieght 5',
      '  constructor',
      '  TCP_CHECK {',
      '   connect_timout 3',
      '  }',
      ' }',
      '}',
      'virtual_sever 10.0.0.2 80 {',
      ' anything goes',
      '}',
    ].join('\n');
    expect(lines(text)).toEqual([
      "(Line 8) Unknown keyword 'conect_timeout'",
      "(Line 10) Unknown keyword 'wieght'",
      "(Line 11) Unknown keyword 'constructor'",
      "(Line 13) Unknown keyword 'connect_timout'",
      "(Line 17) Unknown keyword 'virtual_sever'",
    ]);
    // The misspelt top-level block is skipped whole, not read as top-level statements.
    expect(parseKeepalivedConf(text).config.virtualServers).toHaveLength(1);
  });

  it("reports a missing '{' after a block keyword and a stray '}' at the top level", () => {
    expect(lines('virtual_server 10.0.0.1 80\n delay_loop 5\n}\n}\n')).toEqual([
      "(Line 2) Missing '{' at beginning of configuration block",
      "(Line 3) Extra '}' found",
      "(Line 4) Extra '}' found",
      "(Line 4) Unknown keyword '}'",
    ]);
  });

  it('names the outermost block when a file simply ends early', () => {
    expect(lines('virtual_server 10.0.0.1 80 {\n  real_server 10.0.1.1 80 {\n  }\n')).toEqual([
      "(Line 1) 'virtual_server' block opened here is never closed",
      "(Line 3) There are 1 missing '}'s or extra '{'s",
    ]);
  });

  it("reads the lab's own keepalived.conf cleanly", () => {
    const text = renderKeepalivedConf({
      routerId: 'lab-lvs1',
      state: 'MASTER',
      priority: 150,
      virtualIps: ['127.0.0.1/32'],
      services: [
        {
          key: { kind: 'addr', protocol: 'tcp', family: 'inet', address: '127.0.0.1', port: 8080 },
          realServers: [
            {
              address: '127.0.0.1',
              port: 9001,
              weight: 10,
              forward: 'Masq',
              inhibitOnFailure: true,
              check: { type: 'HTTP_GET', path: '/health.html', connectTimeoutMs: 1000, retry: 1, delayBeforeRetryMs: 500, delayLoopMs: 1000 },
            },
          ],
        },
      ],
    });
    const parsed = parseKeepalivedConf(text);
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.config.virtualServers[0]?.realServers[0]).toMatchObject({
      weight: 10,
      inhibitOnFailure: true,
      checkers: [{ type: 'HTTP_GET', urls: [{ path: '/health.html' }] }],
    });
  });
});
