// `release doctor`: the known pitfalls of LVS.md §4-§6 as small pure checks over DoctorInput.
// Each check returns findings (error | warn | info); an empty list means it passed.
import {
  connReuseMode,
  deleteWithLiveConnections,
  directRoutingCountedOnDirector,
  drainTimeoutBeyondTcpTimeout,
  healthFilePresent,
  ipvsadmLegacyWording,
  unreadableInputs,
} from './checks-drain.ts';
import {
  healthCheckServesHealthFile,
  healthfileWithoutInhibit,
  keepalivedManualDrain,
  keepalivedPairMismatch,
  keepalivedParseDiagnostics,
  quorumSorryFlip,
  syncDaemonAbsent,
} from './checks-keepalived.ts';
import { natDefaultRoute, natForwarding, realServerNetwork, vipOnOneDirector } from './checks-network.ts';
import { directorsDisagree, hashWithoutFallback, persistenceNeedsExpireQuiescent, serversInPool } from './checks-tables.ts';
import type { DoctorCheck, DoctorInput, Finding, FindingLevel } from './types.ts';

export * from './checks-drain.ts';
export * from './checks-keepalived.ts';
export * from './checks-network.ts';
export * from './checks-tables.ts';

/** Every check, in report order. */
export const DOCTOR_CHECKS = {
  unreadableInputs,
  directorsDisagree,
  serversInPool,
  vipOnOneDirector,
  realServerNetwork,
  natForwarding,
  natDefaultRoute,
  healthFilePresent,
  keepalivedParseDiagnostics,
  keepalivedPairMismatch,
  healthfileWithoutInhibit,
  keepalivedManualDrain,
  quorumSorryFlip,
  healthCheckServesHealthFile,
  persistenceNeedsExpireQuiescent,
  hashWithoutFallback,
  directRoutingCountedOnDirector,
  drainTimeoutBeyondTcpTimeout,
  deleteWithLiveConnections,
  connReuseMode,
  syncDaemonAbsent,
  ipvsadmLegacyWording,
} as const satisfies Record<string, DoctorCheck>;

const RANK: Record<FindingLevel, number> = { error: 0, warn: 1, info: 2 };

/** Run every check; findings ordered by level (errors first), then by check order. */
export function runDoctorChecks(input: DoctorInput): Finding[] {
  return Object.values(DOCTOR_CHECKS)
    .flatMap((check) => check(input))
    .sort((a, b) => RANK[a.level] - RANK[b.level]);
}
