// One SSH session per host for the whole run: hosts grouped by their SSH settings (a transport
// per group), opened in parallel with the configured bound. Any host failing refuses the run.
import type { Cluster, SshSettings } from '../config/types.ts';
import { ReleaseError } from '../core/errors.ts';
import { systemClock } from '../core/clock.ts';
import { reconnectingSession } from '../transport/reconnect.ts';
import { createSshTransport } from '../transport/ssh.ts';
import type { HostSession, HostTarget, Transport } from '../transport/types.ts';

interface HostEntry {
  target: HostTarget;
  ssh: SshSettings;
}

function hostsOf(cluster: Cluster): HostEntry[] {
  return [
    ...cluster.directors.map((d) => ({ target: { name: d.name, host: d.host, port: d.ssh.port, user: d.ssh.user }, ssh: d.ssh })),
    ...cluster.realServers.map((s) => ({ target: { name: s.name, host: s.host, port: s.ssh.port, user: s.ssh.user }, ssh: s.ssh })),
  ];
}

function groupKey(ssh: SshSettings): string {
  return JSON.stringify([ssh.identityFile ?? null, ssh.passphraseEnv ?? null, ssh.knownHosts, ssh.jumpHost ?? null, ssh.connectTimeoutMs, ssh.maxSessions]);
}

export interface OpenedSessions {
  sessions: Map<string, HostSession>;
  close(): Promise<void>;
}

/** Opens every host of the cluster; throws the first failure (naming every failed host). */
export async function openClusterSessions(
  cluster: Cluster,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  wrap: (session: HostSession) => HostSession = (s) => s,
): Promise<OpenedSessions> {
  const groups = new Map<string, { ssh: SshSettings; targets: HostTarget[] }>();
  for (const entry of hostsOf(cluster)) {
    const key = groupKey(entry.ssh);
    const group = groups.get(key) ?? { ssh: entry.ssh, targets: [] };
    group.targets.push(entry.target);
    groups.set(key, group);
  }
  const transports: Transport[] = [];
  const sessions = new Map<string, HostSession>();
  const failures: ReleaseError[] = [];
  await Promise.all(
    [...groups.values()].map(async ({ ssh, targets }) => {
      const transport = createSshTransport({
        knownHostsFile: ssh.knownHosts,
        identityFile: ssh.identityFile,
        passphraseEnv: ssh.passphraseEnv,
        jumpHost: ssh.jumpHost,
        env,
        connectTimeoutMs: ssh.connectTimeoutMs,
        maxChannelsPerHost: ssh.maxSessions,
      });
      transports.push(transport);
      const opened = await transport.open(targets, { concurrency: cluster.concurrency, signal });
      for (const [name, session] of opened.sessions) {
        sessions.set(name, wrap(reconnectingSession(session, { attempts: 3, delayMs: 1000, sleep: systemClock.sleep })));
      }
      failures.push(...opened.failures.values());
    }),
  );
  const close = async () => {
    await Promise.allSettled([...sessions.values()].map((s) => s.close()));
    await Promise.allSettled(transports.map((t) => t.close()));
  };
  if (failures.length > 0) {
    await close();
    const first = failures[0] as ReleaseError;
    const directorNames = new Set(cluster.directors.map((d) => d.name));
    const names = failures.map((f) => String(f.details.host ?? f.message));
    throw new ReleaseError(
      first.code,
      failures.length === 1 ? first.message : `${failures.length} hosts failed to connect: ${failures.map((f) => f.message).join(' | ')}`,
      {
        hint: first.hint ?? 'Nothing was changed. Check SSH access to the hosts named above.',
        details: { hosts: names, directorsFailed: failures.some((f) => directorNames.has(String(f.details.name ?? ''))) },
      },
    );
  }
  return { sessions, close };
}
