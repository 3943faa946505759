import { describe, expect, it } from 'vitest';
import { renderKeepalivedConf } from '../../../src/lab/net/keepalived.ts';

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
              address: '127.0.0.1', port: 8081, weight: 100, inhibitOnFailure: true,
              check: { type: 'HTTP_GET', path: '/health/ready.html', statusCode: 200, connectTimeoutMs: 3000, retry: 3, delayBeforeRetryMs: 2000, delayLoopMs: 5000 },
            },
            {
              address: '127.0.0.1', port: 8082, weight: 50, inhibitOnFailure: false,
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
