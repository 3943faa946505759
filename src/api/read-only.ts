// Sessions for the commands that only look (status, doctor, history): every host opened as a run
// would, each session behind the dry-run chokepoint, so nothing they send can change a host.
import { openClusterSessions } from './sessions.ts';
import type { Cluster } from '../config/types.ts';
import { ReleaseError } from '../core/errors.ts';
import { dryRunSession } from '../transport/dry-run.ts';
import type { HostSession } from '../transport/types.ts';

export type SessionOf = (name: string) => HostSession;

export async function withReadOnlySessions<T>(
  cluster: Cluster,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
  fn: (session: SessionOf) => Promise<T>,
): Promise<T> {
  const opened = await openClusterSessions(cluster, env, signal ?? new AbortController().signal, (s) => dryRunSession(s, { report: () => undefined }));
  try {
    return await fn((name) => {
      const session = opened.sessions.get(name);
      if (!session) throw new ReleaseError('INTERNAL', `no SSH session for ${name}`);
      return session;
    });
  } finally {
    await opened.close();
  }
}
