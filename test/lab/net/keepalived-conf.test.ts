import { describe, expect, it } from 'vitest';
import { applyResultFromIpvsadm, checkerCommandArgv, renderKeepalivedConf } from '../../../src/lab/net/keepalived.ts';

describe('renderKeepalivedConf', () => {
  it('writes a director config with NAT virtual_server and inhibit HTTP_GET real_server blocks', () => {
    const text = renderKeepalivedConf({
      routerId: 'lvs1',
      state: 'MASTER',
      priority: 150,
      virtualIps: ['127.0.0.1/32'],
      comment: 'lab director lvs1',
      services: [
        {
          key: { kind: 'addr', protocol: 'tcp', family: 'inet', address: '127.0.0.1', port: 8080 },
          scheduler: 'wlc',
          realServers: [
            {
              address: '127.0.0.1',
              port: 8081,
              weight: 100,
              inhibitOnFailure: true,
              check: {
                type: 'HTTP_GET',
                path: '/health/ready.html',
                statusCode: 200,
                connectTimeoutMs: 3000,
                retry: 3,
                delayBeforeRetryMs: 2000,
                delayLoopMs: 5000,
              },
            },
            {
              address: '127.0.0.1',
              port: 8082,
              weight: 50,
              inhibitOnFailure: false,
              check: { type: 'TCP_CHECK', connectTimeoutMs: 1500, retry: 1, delayBeforeRetryMs: 1000, delayLoopMs: 5000 },
            },
          ],
        },
      ],
    });
    expect(text).toContain('   router_id lvs1\n');
    expect(text).toContain('    state MASTER\n    interface lo\n    virtual_router_id 51\n    priority 150\n');
    expect(text).toContain(
      [
        'virtual_server 127.0.0.1 8080 {',
        '    delay_loop 5',
        '    lvs_sched wlc',
        '    lvs_method NAT',
        '    protocol TCP',
        '',
        '    real_server 127.0.0.1 8081 {',
        '        weight 100',
        '        inhibit_on_failure',
        '        HTTP_GET {',
        '            url {',
        '                path /health/ready.html',
        '                status_code 200',
        '            }',
        '            connect_timeout 3',
        '            retry 3',
        '            delay_before_retry 2',
        '        }',
        '    }',
        '',
        '    real_server 127.0.0.1 8082 {',
        '        weight 50',
        '        TCP_CHECK {',
        '            connect_timeout 1.5',
        '            retry 1',
        '            delay_before_retry 1',
        '        }',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
    // Balanced braces: keepalived would otherwise report missing '}'s.
    expect(text.split('{').length).toBe(text.split('}').length);
  });
});

describe('checker commands as ipvsadm', () => {
  const service = { kind: 'addr', protocol: 'tcp', family: 'inet', address: '127.0.0.1', port: 8080 } as const;
  const dest = { family: 'inet', address: '127.0.0.1', port: 8081, forward: 'Masq' } as const;

  it('builds -a/-e with the method and weight, -d without', () => {
    expect(checkerCommandArgv({ op: 'edit', service, dest, weight: 0 })).toEqual(['-e', '-t', '127.0.0.1:8080', '-r', '127.0.0.1:8081', '-m', '-w', '0']);
    expect(checkerCommandArgv({ op: 'add', service, dest, weight: 100 })).toEqual(['-a', '-t', '127.0.0.1:8080', '-r', '127.0.0.1:8081', '-m', '-w', '100']);
    expect(checkerCommandArgv({ op: 'del', service, dest, weight: 100 })).toEqual(['-d', '-t', '127.0.0.1:8080', '-r', '127.0.0.1:8081']);
  });

  it('reads the errno back from exit status and stderr, legacy wording included', () => {
    expect(applyResultFromIpvsadm({ exitCode: 0, stderr: '' })).toEqual({ ok: true });
    expect(applyResultFromIpvsadm({ exitCode: 255, stderr: 'Destination already exists\n' })).toMatchObject({ errno: 'EEXIST' });
    expect(applyResultFromIpvsadm({ exitCode: 255, stderr: 'No such device or address\n' })).toMatchObject({ errno: 'EEXIST' });
    expect(applyResultFromIpvsadm({ exitCode: 255, stderr: 'No such destination\n' })).toMatchObject({ errno: 'ENOENT' });
    expect(applyResultFromIpvsadm({ exitCode: 255, stderr: 'Service not defined\n' })).toMatchObject({ errno: 'ESRCH' });
    expect(applyResultFromIpvsadm({ exitCode: 2, stderr: 'illegal weight specified\n' })).toMatchObject({ errno: 'OTHER' });
  });
});
