// The one-line help an editor shows on hover and in completion, by path in the file
// ('directors[].host'). json-schema.ts refuses a path the schema does not have.

import { PHASES } from './schema.ts';

const DURATION = 'a duration: 500ms, 30s, 5m, 1h30m, or a number of seconds';

const SSH: Record<string, string> = {
  user: 'SSH user',
  port: 'SSH port (default 22)',
  identityFile: 'private key file (default: the agent at SSH_AUTH_SOCK)',
  passphraseEnv: "the NAME of an environment variable holding the key's passphrase (never the passphrase)",
  knownHosts: 'known_hosts file; host keys are always checked strictly',
  jumpHost: 'a bastion to connect through: host, user@host or user@host:port',
  sudo: 'run ipvsadm through `sudo -n`',
  connectTimeout: `connection timeout, ${DURATION}`,
  maxSessions: "channels open at once on one host's connection, queued beyond (default 8; OpenSSH's MaxSessions is 10)",
};

const APP: Record<string, string> = {
  root: 'deploy root ({{root}}); relative paths start at the SSH login directory',
  healthFile: "the file the directors' health check fetches ({{healthFile}})",
  healthUrl:
    "the URL path keepalived's check fetches to read healthFile (default: any path whose segments end healthFile's, e.g. /health/ready.html for /srv/app/shared/health/ready.html)",
  restart: 'the command that restarts the app on a server, run as written by `app: restart` steps',
  reload: 'the command that reloads the app on a server, run as written by `app: reload` steps',
  smoke: 'how smoke checks reach the app: scheme, Host header, port, via',
  'smoke.via':
    "direct (default): from this machine to the server's address; ssh: through the server's own SSH connection (a forwarded TCP channel), for servers this machine cannot reach",
};

/** `{ user: … }` under `prefix` → `{ 'prefix.user': … }`. */
function under(prefix: string, entries: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).map(([key, text]) => [`${prefix}.${key}`, text]));
}

const CLUSTER: Record<string, string> = {
  cluster: "the cluster's name (names its journal and its lock)",
  directors: 'every LVS director: keepalived MASTER and BACKUP',
  'directors[].host': 'SSH target of the director',
  'directors[].name': 'display name (default: host)',
  'directors[].ssh': 'overrides of `ssh` for this director',
  'directors[].keepalived': 'path of keepalived.conf on the director (read by doctor and for warnings)',
  services: 'the virtual services, as `ipvsadm -L -n` shows them',
  'services[].vip': 'ADDR:PORT, or [ADDR]:PORT for IPv6',
  'services[].fwmark': 'a firewall-mark service instead of a vip',
  'services[].protocol': 'tcp, udp or sctp (default tcp)',
  realServers: 'the servers released one batch at a time',
  'realServers[].host': 'SSH target of the server',
  'realServers[].name': 'display name (default: host)',
  'realServers[].address': 'the address as `ipvsadm -L -n` lists it (default: host)',
  'realServers[].port': 'destination port when it differs from the service port (NAT)',
  'realServers[].ssh': 'overrides of `ssh` for this server',
  'realServers[].app': 'overrides of `app` for this server',
  ssh: 'how to reach every director and server',
  ...under('ssh', SSH),
  'ssh.concurrency': 'connections opened in parallel',
  app: 'facts about the application on each server',
  ...under('app', APP),
  peakWindows: 'when releases must not start',
  'peakWindows.timezone': 'IANA time zone of the windows and freezes, e.g. Asia/Shanghai',
  'peakWindows.windows': 'recurring peak windows',
  'peakWindows.windows[].days': 'daily, a range (mon-fri), a day (sat) or a list of days',
  'peakWindows.windows[].from': 'start, HH:MM',
  'peakWindows.windows[].to': 'end, HH:MM; a `to` not after `from` ends the next day',
  'peakWindows.windows[].triggers': 'only for releases started by these (ci, manual, schedule); default all',
  'peakWindows.freezes': 'one-off periods without releases',
  'peakWindows.freezes[].from': 'start, a local time like 2026-11-10T00:00',
  'peakWindows.freezes[].to': 'end, a local time like 2026-11-12T02:00',
  'peakWindows.guard': `also refuse when a window starts this soon: ${DURATION}`,
  pipeline: "the pipeline: a path relative to this file, or a shipped pipeline's name (symlink, healthfile)",
  journal: 'where the journal of every run is kept',
  'journal.dir': 'default .release beside this file',
  lock: 'the cluster lock held on the directors',
  'lock.staleAfter': `a lock whose heartbeat is older than this is stale (default 2m): ${DURATION}`,
  'lock.heartbeat': `how often the holder touches the lock (default 15s): ${DURATION}`,
};

const STEP: Record<string, string> = {
  name: 'shown in the output and the journal',
  run: 'a shell command template, or { cmd, timeout, sudo }, or { argv: [...] }',
  app: "restart or reload: runs the cluster file's app.restart / app.reload of the server",
  upload: 'upload a file over SFTP (to a .part file, renamed when complete)',
  http: "a smoke check against the server's own address",
  link: 'shared: link linkedDirs and linkedFiles from {{root}}/shared into the release (prepare only, after the unpack)',
};

const ONCE_STEP: Record<string, string> = {
  name: 'shown in the output and the journal',
  run: 'a shell command template, or { cmd, timeout }, or { argv: [...] } (on the controller: argv runs without a shell)',
};

/** `before` / `after`: what each key means, under its prefix. */
function onceHelp(which: 'before' | 'after', what: string): Record<string, string> {
  return {
    [which]: what,
    [`${which}.on`]: 'where: first (the first server of the plan), a real server name, or controller (this machine)',
    [`${which}.steps`]: 'run steps, in order; the first failure stops them',
    ...Object.fromEntries(Object.entries(ONCE_STEP).map(([key, text]) => [`${which}.steps[].${key}`, text])),
  };
}

const PHASE_HELP: Record<(typeof PHASES)[number], string> = {
  prepare: 'still in the pool (may run one batch ahead): upload and unpack',
  deploy: 'drained: switch the release, restart the app',
  verify: "drained: smoke checks on the server's own address",
  rollback: 'drained: switch back to {{previous}} and restart; verify runs again after it',
  cleanup: 'back in the pool: keep the last {{keep}} releases',
};

const PIPELINE: Record<string, string> = {
  name: "the pipeline's name",
  drain: 'how servers leave and rejoin the pool',
  'drain.method': 'ipvsadm (weight 0, then delete), quiesce (weight 0) or healthfile (keepalived)',
  'drain.connections': 'count connections on the directors, or on the server with ss (accurate in DR/TUN)',
  'drain.threshold': 'drained when connections stay at or below this',
  'drain.settle': `for this long: ${DURATION}`,
  'drain.timeout': `deadline of the wait: ${DURATION}`,
  'drain.onTimeout': 'fail (put the server back untouched, fail) or proceed',
  'drain.poll': `how often connections are counted: ${DURATION}`,
  'drain.ramp':
    'restore the weight in steps, e.g. [10%, 50%, 100%], or { steps, interval } (ipvsadm and quiesce only: with healthfile keepalived sets the weight)',
  'drain.allowHardCut':
    'healthfile on a pool whose keepalived.conf lacks inhibit_on_failure: let keepalived delete the server (a hard cut: its live connections are counted and reported) instead of refusing (default false)',
  'drain.keepalived': 'an ipvsadm/quiesce drain of servers keepalived manages: warn (default) or refuse',
  'drain.waitForPersistence': 'also wait until no persistence template points at the server (persistent services; default false)',
  rollback: 'all (default): roll back the servers of earlier batches too; failed: only the failing ones',
  keepReleases: 'releases kept by cleanup ({{keep}})',
  prepareAhead: 'prepare the next batch while this one is out of the pool (default true)',
  stepTimeout: `default timeout of every remote step: ${DURATION}`,
  linkedDirs: 'directories relative to the release, kept in {{root}}/shared and linked into every release by `link: shared`',
  linkedFiles: 'files relative to the release (e.g. .env) that must exist in {{root}}/shared, linked into every release by `link: shared`',
  ...onceHelp('before', 'runs once before the first batch, nothing drained yet (e.g. database migrations); a failure fails the release (exit 1)'),
  ...onceHelp('after', 'runs once after the last batch is back in the pool; a failure is reported, no rollback unless onFailure: rollback'),
  'after.onFailure': 'warn (default): report it, the release stands; rollback: roll the whole cluster back',
  phases: 'the steps of each phase',
  ...Object.fromEntries(PHASES.map((phase) => [`phases.${phase}`, PHASE_HELP[phase]])),
  ...Object.fromEntries(PHASES.flatMap((phase) => Object.entries(STEP).map(([key, text]) => [`phases.${phase}[].${key}`, text]))),
};

export const SCHEMA_DESCRIPTIONS = { cluster: CLUSTER, pipeline: PIPELINE } as const;
