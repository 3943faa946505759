// The cluster and the pipeline after loading: defaults applied, durations in ms, paths absolute.

import type { Endpoint, Family, ServiceKey } from '../ipvs/model.ts';
import type { PeakWindowsPolicy } from '../windows/types.ts';
import type { AppAction, PhaseName, SmokeVia } from './schema.ts';

export type { AppAction, OncePhaseName, PhaseName, SmokeVia } from './schema.ts';

export interface JumpHost {
  host: string;
  port: number;
  user: string;
}

/** How to reach one host: the cluster's `ssh` merged with the host's own overrides. */
export interface SshSettings {
  user: string;
  port: number;
  /** Absolute; absent = use the agent (SSH_AUTH_SOCK). */
  identityFile?: string;
  /** NAME of the environment variable holding identityFile's passphrase (never the passphrase). */
  passphraseEnv?: string;
  /** Absolute; strict checking, always. */
  knownHosts: string;
  jumpHost?: JumpHost;
  /** Run ipvsadm (and `sudo: true` steps) via `sudo -n`. */
  sudo: boolean;
  connectTimeoutMs: number;
  /** Channels open at once on this host's one connection (queued beyond; below OpenSSH's MaxSessions). */
  maxSessions: number;
}

export interface Director {
  host: string;
  /** Display name (default: host). */
  name: string;
  ssh: SshSettings;
  /** keepalived.conf on the director, read by doctor and warnings. */
  keepalived?: string;
}

export interface Service {
  key: ServiceKey;
}

/** Where a real server sits in one service, as the directors' tables list it. */
export interface ServerDestination {
  service: ServiceKey;
  endpoint: Endpoint;
}

export interface SmokeSettings {
  scheme: 'http' | 'https';
  /** Host header; absent = the server's address. */
  host?: string;
  /** Port the smoke checks connect to on the server's address. */
  port: number;
  /** `ssh`: each check goes through the server's own SSH connection (a forwarded TCP channel) to
   * its address:port as the server sees it; `direct` (the default, also when absent): from this machine. */
  via?: SmokeVia;
}

export interface AppSettings {
  /** Deploy root ({{root}}): as written (relative = from the SSH login dir). */
  root?: string;
  /** The health-check file ({{healthFile}}), as written. */
  healthFile?: string;
  /** The URL path keepalived's check fetches to read healthFile (default: a path whose segments end healthFile's). */
  healthUrl?: string;
  /** The operator's command that restarts the app (`app: restart` steps); a trusted shell command, run as written. */
  restart?: string;
  /** The operator's command that reloads the app (`app: reload` steps); run as written. */
  reload?: string;
  smoke: SmokeSettings;
}

export interface RealServer {
  host: string;
  name: string;
  /** As ipvsadm -L -n lists it (IPv6 compressed). */
  address: string;
  family: Family;
  /** The explicit port, else the first service's port (0 when all services are fwmark). */
  port: number;
  /** One per configured service, in the order of `services`. */
  destinations: ServerDestination[];
  ssh: SshSettings;
  app: AppSettings;
}

export interface Cluster {
  name: string;
  /** Absolute path of the cluster file. */
  file: string;
  directors: Director[];
  services: Service[];
  realServers: RealServer[];
  /** Bound on parallel SSH connection set-ups. */
  concurrency: number;
  peakWindows: PeakWindowsPolicy | undefined;
  /** Absolute path of the pipeline file. */
  pipelineFile: string;
  /** Absolute path of the journal directory. */
  journalDir: string;
  /** The cluster lock on every director: a directory created atomically (relative = login dir). */
  lock: { path: string; staleAfterMs: number; heartbeatMs: number };
}

export interface StepBase {
  /** Display name: the step's `name`, else a short summary. */
  name: string;
  /** Where the step is written, e.g. 'pipelines/symlink.yaml:14'. */
  source: string;
}

/** A remote command: `cmd` is a shell template (renderShellTemplate), `argv` element templates (renderArgv). */
export type RunStep = StepBase & { kind: 'run'; timeoutMs: number; sudo: boolean } & ({ cmd: string; argv?: undefined } | { argv: string[]; cmd?: undefined });

/** The cluster file's app.restart / app.reload of the server the step runs on (not a template). */
export interface AppStep extends StepBase {
  kind: 'app';
  action: AppAction;
  timeoutMs: number;
}

/** SFTP upload; `from` (local) and `to` (remote) are plain templates (renderTemplate). */
export interface UploadStep extends StepBase {
  kind: 'upload';
  from: string;
  to: string;
  /** File mode, e.g. 0o644. */
  mode?: number;
}

/** Smoke check against the server's own address; every string but the header names is a template. */
export interface HttpStep extends StepBase {
  kind: 'http';
  /** Starts with '/'. */
  path: string;
  method: 'GET' | 'HEAD';
  expect: {
    /** The expected status (redirects are not followed). */
    status: number;
    /** The body must contain this text (a template). */
    body?: string;
    /** The body must match this regular expression (JavaScript syntax; a template whose values match literally). */
    bodyPattern?: string;
    /** Each header (name case-insensitive) must be present and contain the value (a template). */
    header?: Record<string, string>;
  };
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  intervalMs: number;
  /** Host header override for this step, a template (default: the cluster's app.smoke.host). */
  host?: string;
}

/** `link: shared`: {{root}}/shared/<path> linked into {{root}}/releases/{{release}}/<path> for each
 * of the pipeline's linkedDirs (made in shared/ when missing) and linkedFiles (must exist there). */
export interface LinkStep extends StepBase {
  kind: 'link';
  /** Relative to the release, clean (no `.`, `..`, leading or trailing `/`). */
  dirs: string[];
  files: string[];
  timeoutMs: number;
}

export type Step = RunStep | AppStep | UploadStep | HttpStep | LinkStep;

/** Where a run-once phase runs: this machine, the first server of the plan, or a named server. */
export type OncePlace = { kind: 'controller' } | { kind: 'first' } | { kind: 'server'; name: string };

/** `before` (once, before the first batch) or `after` (once, when the last batch is back in the pool). */
export interface OncePhase {
  on: OncePlace;
  steps: RunStep[];
}

export interface AfterPhase extends OncePhase {
  /** `warn` (default): a failure is reported, the release stands; `rollback`: the whole cluster is rolled back. */
  onFailure: 'warn' | 'rollback';
}

export interface RampSettings {
  /** Fractions of the original weight, increasing, the last 1. */
  steps: number[];
  intervalMs: number;
}

export interface DrainSettings {
  method: 'ipvsadm' | 'quiesce' | 'healthfile';
  connections: 'director' | 'server';
  threshold: number;
  settleMs: number;
  timeoutMs: number;
  onTimeout: 'fail' | 'proceed';
  pollMs: number;
  ramp?: RampSettings;
  /** healthfile on a pool without inhibit_on_failure: allow keepalived's delete (a hard cut, counted and reported) instead of refusing. */
  allowHardCut?: boolean;
  /** An ipvsadm/quiesce drain of servers keepalived manages: `warn` (default) or `refuse`. */
  keepalived?: 'warn' | 'refuse';
  /** Also wait until no persistence template points at the server (persistent services). */
  waitForPersistence?: boolean;
}

export interface Pipeline {
  name: string;
  description?: string;
  /** Absolute path of the pipeline file. */
  file: string;
  drain: DrainSettings;
  rollback: 'all' | 'failed';
  keepReleases: number;
  /** Prepare the next batch while this one is out of the pool (default true). */
  prepareAhead: boolean;
  stepTimeoutMs: number;
  phases: Record<PhaseName, Step[]>;
  /** Runs once before the first batch (e.g. database migrations); absent: nothing. */
  before?: OncePhase;
  /** Runs once after the last batch is back in the pool; absent: nothing. */
  after?: AfterPhase;
}
