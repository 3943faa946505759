// doctor's keepalived checks, applied at release time (issue 11 item 3): the same findings, each
// either refusing the release (exit 3, naming director, file and line) or warning, by a policy
// the pipeline sets (drain.allowHardCut, drain.keepalived).
import type { WarningCode } from '../core/warnings.ts';
import {
  healthCheckServesHealthFile,
  healthfileWithoutInhibit,
  keepalivedManualDrain,
  keepalivedPairMismatch,
  keepalivedParseDiagnostics,
  quorumSorryFlip,
} from './checks-keepalived.ts';
import type { DoctorInput, Finding } from './types.ts';

export interface ReleasePolicy {
  allowHardCut: boolean;
  /** An ipvsadm/quiesce drain of keepalived-managed servers. */
  keepalived: 'warn' | 'refuse';
}

export interface Verdicts {
  refusals: { message: string; hint: string }[];
  warnings: { code: WarningCode; message: string; director?: string; server?: string }[];
}

const where = (f: Finding) => (f.file ? ` [${f.file}${f.line !== undefined ? `:${f.line}` : ''}]` : '');

/** Every keepalived finding that matters to a release, as a refusal or a warning. */
export function keepalivedVerdicts(input: DoctorInput, policy: ReleasePolicy): Verdicts {
  const out: Verdicts = { refusals: [], warnings: [] };
  const warn = (code: WarningCode, f: Finding, suffix = '') =>
    out.warnings.push({
      code,
      message: `${f.message}${suffix}`,
      ...(f.subject.director ? { director: f.subject.director } : {}),
      ...(f.subject.server ? { server: f.subject.server } : {}),
    });
  const refuse = (f: Finding, hint = f.hint) => out.refusals.push({ message: `${f.message}${where(f)}`, hint });
  for (const f of healthfileWithoutInhibit(input)) {
    if (f.id === 'healthfile-unchecked') warn('HEALTHFILE_UNCHECKED', f);
    else if (policy.allowHardCut) warn('HARD_CUT', f, '; allowed by drain.allowHardCut: each cut is counted and reported');
    else refuse(f, `${f.hint} Or set drain.allowHardCut: true in the pipeline to accept the hard cut (its connections are counted and reported).`);
  }
  for (const f of keepalivedManualDrain(input)) {
    if (policy.keepalived === 'refuse') refuse(f, `${f.hint} (drain.keepalived: refuse is set in the pipeline; warn lets it run)`);
    else warn('KEEPALIVED_MANAGED', f);
  }
  for (const f of healthCheckServesHealthFile(input)) {
    if (f.level === 'error') refuse(f);
    else if (f.level === 'warn') warn('HEALTHFILE_UNCHECKED', f);
  }
  for (const f of keepalivedPairMismatch(input)) warn('KEEPALIVED_DRIFT', f);
  for (const f of keepalivedParseDiagnostics(input)) if (f.level !== 'info') warn('KEEPALIVED_CONFIG', f);
  for (const f of quorumSorryFlip(input)) warn('QUORUM_SORRY_SERVER', f);
  return out;
}
