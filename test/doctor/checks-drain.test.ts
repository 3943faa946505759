import { describe, expect, it } from 'vitest';
import {
  connReuseMode,
  deleteWithLiveConnections,
  directRoutingCountedOnDirector,
  drainTimeoutBeyondTcpTimeout,
  healthFilePresent,
  ipvsadmLegacyWording,
  unreadableInputs,
} from '../../src/doctor/checks.ts';
import type { DoctorDrain } from '../../src/doctor/types.ts';
import { IPVSADM_1_31 } from '../../src/ipvs/misc.ts';
import { aDest, aDirector, anInput, aService, aTable, DRAIN, HTTP, withConf } from './builders.ts';

const drain = (over: Partial<DoctorDrain>): DoctorDrain => ({ ...DRAIN, ...over });
const masq = aTable([aService(HTTP, { dests: [1, 2, 3].map((n) => aDest(n, 80, { forward: 'Masq' })) })]);

describe('directRoutingCountedOnDirector', () => {
  it('passes when counting on the server, or for NAT', () => {
    expect(directRoutingCountedOnDirector(anInput())).toEqual([]);
    expect(directRoutingCountedOnDirector(anInput({ drain: drain({ connections: 'director' }), directors: [aDirector('lvs1', { table: masq })] }))).toEqual([]);
  });

  it('warns for DR dests counted on the directors', () => {
    const findings = directRoutingCountedOnDirector(anInput({ drain: drain({ connections: 'director' }) }));
    expect(findings).toEqual([
      expect.objectContaining({ id: 'dr-director-counting', level: 'warn', subject: {}, hint: expect.stringContaining('connections: server') }),
    ]);
    expect(findings[0]?.message).toContain('TCP 10.0.0.100:80 use direct routing');
  });

  it('falls back to keepalived lvs_method when no table was read', () => {
    const conf = withConf('virtual_server 10.0.0.100 80 {\n lvs_method DR\n}\n');
    const input = anInput({ drain: drain({ connections: 'director' }), directors: [aDirector('lvs1', { table: undefined, keepalived: conf })] });
    expect(directRoutingCountedOnDirector(input).map((f) => f.id)).toEqual(['dr-director-counting']);
  });
});

describe('drainTimeoutBeyondTcpTimeout', () => {
  it('passes at or below the 900 s default', () => {
    expect(drainTimeoutBeyondTcpTimeout(anInput({ drain: drain({ timeoutMs: 900_000 }) }))).toEqual([]);
  });

  it('warns above the TCP timeout: the default, or the smallest a director reports', () => {
    expect(drainTimeoutBeyondTcpTimeout(anInput({ drain: drain({ timeoutMs: 1_200_000 }) })).map((f) => f.message)).toEqual([
      expect.stringContaining('drain timeout 1200s is above the IPVS TCP established timeout (900s)'),
    ]);
    const input = anInput({
      drain: drain({ timeoutMs: 700_000 }),
      directors: [aDirector('lvs1', { timeouts: { tcp: 600, tcpFin: 120, udp: 300 } }), aDirector('lvs2', { timeouts: { tcp: 900, tcpFin: 120, udp: 300 } })],
    });
    expect(drainTimeoutBeyondTcpTimeout(input).map((f) => f.hint)).toEqual(['Lower drain.timeout to at most 600s.']);
  });

  it("uses keepalived's lvs_timeouts when ipvsadm --timeout was not read", () => {
    const conf = withConf('global_defs {\n lvs_timeouts tcp 7200\n}\n');
    expect(drainTimeoutBeyondTcpTimeout(anInput({ drain: drain({ timeoutMs: 1_200_000 }), directors: [aDirector('lvs1', { keepalived: conf })] }))).toEqual([]);
  });
});

describe('deleteWithLiveConnections', () => {
  it('passes unless the ipvsadm method proceeds on timeout', () => {
    expect(deleteWithLiveConnections(anInput({ drain: drain({ method: 'ipvsadm', onTimeout: 'fail' }) }))).toEqual([]);
    expect(deleteWithLiveConnections(anInput({ drain: drain({ method: 'quiesce', onTimeout: 'proceed' }) }))).toEqual([]);
  });

  it('warns and shows expire_nodest_conn per director', () => {
    const input = anInput({
      drain: drain({ method: 'ipvsadm', onTimeout: 'proceed' }),
      directors: [aDirector('lvs1', { sysctls: { expire_nodest_conn: 0 } }), aDirector('lvs2')],
    });
    const findings = deleteWithLiveConnections(input);
    expect(findings.map((f) => [f.level, f.id])).toEqual([['warn', 'delete-live-connections']]);
    expect(findings[0]?.message).toContain('expire_nodest_conn lvs1: 0, lvs2: unknown');
  });
});

describe('connReuseMode', () => {
  it('passes with the default in NAT, with 2 in DR, and when not read', () => {
    expect(connReuseMode(anInput({ directors: [aDirector('lvs1', { table: masq, sysctls: { conn_reuse_mode: 1 } })] }))).toEqual([]);
    expect(connReuseMode(anInput({ directors: [aDirector('lvs1', { sysctls: { conn_reuse_mode: 2 } })] }))).toEqual([]);
    expect(connReuseMode(anInput())).toEqual([]);
  });

  it('informs about 0 anywhere and about 1 in DR', () => {
    const input = anInput({ directors: [aDirector('lvs1', { sysctls: { conn_reuse_mode: 0 } }), aDirector('lvs2', { sysctls: { conn_reuse_mode: 1 } })] });
    expect(connReuseMode(input).map((f) => [f.level, f.subject.director, f.message])).toEqual([
      ['info', 'lvs1', expect.stringContaining('conn_reuse_mode=0')],
      ['info', 'lvs2', expect.stringContaining('with direct routing')],
    ]);
  });
});

describe('healthFilePresent', () => {
  it('passes when every checked file is there, or nothing was checked', () => {
    expect(healthFilePresent(anInput({ healthFiles: { web1: true, web2: true } }))).toEqual([]);
    expect(healthFilePresent(anInput())).toEqual([]);
  });

  it('is an error for the healthfile method, a warning under keepalived, info otherwise', () => {
    expect(healthFilePresent(anInput({ healthFiles: { web2: false } })).map((f) => [f.level, f.subject])).toEqual([['error', { server: 'web2' }]]);
    const keepalived = anInput({
      drain: drain({ method: 'quiesce' }),
      healthFiles: { web2: false },
      directors: [aDirector('lvs1', { keepalived: withConf('') })],
    });
    expect(healthFilePresent(keepalived).map((f) => f.level)).toEqual(['warn']);
    expect(healthFilePresent(anInput({ drain: drain({ method: 'quiesce' }), healthFiles: { web2: false } })).map((f) => f.level)).toEqual(['info']);
  });
});

describe('ipvsadmLegacyWording', () => {
  it('informs about 1.27-1.29 only', () => {
    expect(ipvsadmLegacyWording(anInput({ directors: [aDirector('lvs1', { ipvsadm: IPVSADM_1_31 })] }))).toEqual([]);
    const old = ipvsadmLegacyWording(anInput({ directors: [aDirector('lvs1', { ipvsadm: { ...IPVSADM_1_31, version: '1.28' } })] }));
    expect(old.map((f) => [f.level, f.id, f.subject.director])).toEqual([['info', 'ipvsadm-legacy-errors', 'lvs1']]);
  });
});

describe('unreadableInputs', () => {
  it('warns for each piece that could not be read', () => {
    expect(unreadableInputs(anInput())).toEqual([]);
    const findings = unreadableInputs(
      anInput({ directors: [aDirector('lvs1', { unreadable: [{ what: 'ipvsadm -L -n', reason: 'sudo: a password is required' }] })] }),
    );
    expect(findings.map((f) => [f.level, f.message])).toEqual([['warn', 'could not read ipvsadm -L -n on lvs1: sudo: a password is required']]);
  });
});
