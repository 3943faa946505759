// The validated cluster file → the Cluster the engine uses: defaults applied, hosts merged, paths absolute.

import type { ServiceKey } from '../ipvs/model.ts';
import { canonicalAddress, ipFamily, parseEndpoint, parseJumpHost } from './address.ts';
import { CLUSTER_DEFAULTS } from './defaults.ts';
import { resolveConfigPath } from './paths.ts';
import { normalizePeakWindows } from './peak-windows.ts';
import type { ClusterFile } from './schema.ts';
import type { AppSettings, Cluster, Director, RealServer, Service, SshSettings } from './types.ts';

export interface NormalizeClusterContext {
  /** Absolute path of the cluster file. */
  file: string;
  /** Directory relative paths are taken from. */
  dir: string;
  home: string;
  /** Absolute path of the resolved pipeline file. */
  pipelineFile: string;
}

type HostSsh = NonNullable<ClusterFile['directors'][number]['ssh']>;

function mergeSsh(file: ClusterFile, own: HostSsh | undefined, ctx: NormalizeClusterContext): SshSettings {
  const base = file.ssh ?? {};
  const paths = { baseDir: ctx.dir, home: ctx.home };
  const user = own?.user ?? base.user;
  if (user === undefined) throw new Error('ssh user was not validated');
  const identityFile = own?.identityFile ?? base.identityFile;
  const passphraseEnv = own?.passphraseEnv ?? base.passphraseEnv;
  const jump = own?.jumpHost ?? base.jumpHost;
  const parsedJump = jump === undefined ? undefined : parseJumpHost(jump);
  if (parsedJump && !parsedJump.ok) throw new Error('jump host was not validated');
  return {
    user,
    port: own?.port ?? base.port ?? CLUSTER_DEFAULTS.ssh.port,
    ...(identityFile === undefined ? {} : { identityFile: resolveConfigPath(identityFile, paths) }),
    ...(passphraseEnv === undefined ? {} : { passphraseEnv }),
    knownHosts: resolveConfigPath(own?.knownHosts ?? base.knownHosts ?? CLUSTER_DEFAULTS.ssh.knownHosts, paths),
    ...(parsedJump ? { jumpHost: { host: parsedJump.host, port: parsedJump.port ?? CLUSTER_DEFAULTS.jumpHostPort, user: parsedJump.user ?? user } } : {}),
    sudo: own?.sudo ?? base.sudo ?? CLUSTER_DEFAULTS.ssh.sudo,
    connectTimeoutMs: own?.connectTimeout ?? base.connectTimeout ?? CLUSTER_DEFAULTS.ssh.connectTimeoutMs,
    maxSessions: own?.maxSessions ?? base.maxSessions ?? CLUSTER_DEFAULTS.ssh.maxSessions,
  };
}

function serviceKey(service: ClusterFile['services'][number]): ServiceKey {
  if (service.fwmark !== undefined) return { kind: 'fwmark', family: service.family ?? CLUSTER_DEFAULTS.fwmarkFamily, mark: service.fwmark };
  const endpoint = parseEndpoint(service.vip ?? '');
  if (!endpoint.ok) throw new Error('vip was not validated');
  return { kind: 'addr', protocol: service.protocol ?? CLUSTER_DEFAULTS.protocol, family: endpoint.family, address: endpoint.address, port: endpoint.port };
}

function servicePort(key: ServiceKey): number {
  return key.kind === 'addr' ? key.port : 0;
}

function normalizeServer(file: ClusterFile, raw: ClusterFile['realServers'][number], services: Service[], ctx: NormalizeClusterContext): RealServer {
  const address = canonicalAddress(raw.address ?? raw.host);
  const family = ipFamily(address);
  if (family === undefined) throw new Error('server address was not validated');
  const firstAddr = services.find((service) => service.key.kind === 'addr');
  const port = raw.port ?? (firstAddr ? servicePort(firstAddr.key) : 0);
  const smoke = { ...file.app?.smoke, ...raw.app?.smoke };
  // Each app setting: the server's own, else the cluster's.
  const setting = (key: 'root' | 'healthFile' | 'restart' | 'reload' | 'healthUrl') => raw.app?.[key] ?? file.app?.[key];
  const healthUrl = setting('healthUrl');
  const [root, healthFile, restart, reload] = [setting('root'), setting('healthFile'), setting('restart'), setting('reload')];
  const app: AppSettings = {
    ...(root === undefined ? {} : { root }),
    ...(healthFile === undefined ? {} : { healthFile }),
    ...(healthUrl === undefined ? {} : { healthUrl }),
    ...(restart === undefined ? {} : { restart }),
    ...(reload === undefined ? {} : { reload }),
    smoke: {
      scheme: smoke.scheme ?? CLUSTER_DEFAULTS.smoke.scheme,
      ...(smoke.host === undefined ? {} : { host: smoke.host }),
      port: smoke.port ?? port,
      via: smoke.via ?? CLUSTER_DEFAULTS.smoke.via,
    },
  };
  return {
    host: raw.host,
    name: raw.name ?? raw.host,
    address,
    family,
    port,
    destinations: services.map((service) => ({ service: service.key, endpoint: { family, address, port: raw.port ?? servicePort(service.key) } })),
    ssh: mergeSsh(file, raw.ssh, ctx),
    app,
  };
}

/** Assumes the schema and every rule passed; a broken assumption is a bug (plain Error). */
export function normalizeCluster(file: ClusterFile, ctx: NormalizeClusterContext): Cluster {
  const services = file.services.map((service): Service => ({ key: serviceKey(service) }));
  const directors = file.directors.map(
    (director): Director => ({
      host: director.host,
      name: director.name ?? director.host,
      ssh: mergeSsh(file, director.ssh, ctx),
      ...(director.keepalived === undefined ? {} : { keepalived: director.keepalived }),
    }),
  );
  return {
    name: file.cluster,
    file: ctx.file,
    directors,
    services,
    realServers: file.realServers.map((server) => normalizeServer(file, server, services, ctx)),
    concurrency: file.ssh?.concurrency ?? CLUSTER_DEFAULTS.ssh.concurrency,
    peakWindows: file.peakWindows === undefined ? undefined : normalizePeakWindows(file.peakWindows),
    pipelineFile: ctx.pipelineFile,
    lock: {
      path: file.lock?.path ?? `${CLUSTER_DEFAULTS.lockDir}/${file.cluster}.lock`,
      staleAfterMs: file.lock?.staleAfter ?? CLUSTER_DEFAULTS.lockStaleAfterMs,
      heartbeatMs: file.lock?.heartbeat ?? CLUSTER_DEFAULTS.lockHeartbeatMs,
    },
    journalDir: resolveConfigPath(file.journal?.dir ?? CLUSTER_DEFAULTS.journalDir, { baseDir: ctx.dir, home: ctx.home }),
  };
}
