// Every default of the cluster file and the pipeline, in one place (DESIGN.md "Cluster file", "Pipeline").

/** The cluster file the CLI reads when no --config is given. */
export const DEFAULT_CONFIG_FILE = 'release.yaml';

/** Pipelines shipped in `<package root>/pipelines/<name>.yaml`; a test checks this list against the directory. */
export const SHIPPED_PIPELINES = ['symlink', 'healthfile'] as const;

export const CLUSTER_DEFAULTS = {
  pipeline: 'symlink',
  journalDir: '.release',
  /** On each director, relative to the SSH login directory. */
  lockDir: '.lvs-release',
  lockStaleAfterMs: 120_000,
  lockHeartbeatMs: 15_000,
  protocol: 'tcp',
  /** Address family of a fwmark service (a vip's family comes from its address). */
  fwmarkFamily: 'inet',
  ssh: {
    port: 22,
    knownHosts: '~/.ssh/known_hosts',
    sudo: false,
    connectTimeoutMs: 10_000,
    /** Parallel SSH connection set-ups. */
    concurrency: 20,
    /** Channels at once per connection: below OpenSSH's default MaxSessions (10). */
    maxSessions: 8,
  },
  jumpHostPort: 22,
  smoke: { scheme: 'http', via: 'direct' },
  peakWindows: { guardMs: 0 },
} as const;

export const PIPELINE_DEFAULTS = {
  drain: {
    method: 'ipvsadm',
    connections: 'director',
    threshold: 0,
    settleMs: 2_000,
    timeoutMs: 300_000,
    onTimeout: 'fail',
    pollMs: 1_000,
    allowHardCut: false,
    keepalived: 'warn',
    waitForPersistence: false,
  },
  rampIntervalMs: 10_000,
  rollback: 'all',
  keepReleases: 5,
  prepareAhead: true,
  stepTimeoutMs: 120_000,
  run: { sudo: false },
  /** A failed `after` phase is reported; the release stands. */
  after: { onFailure: 'warn' },
  http: {
    method: 'GET',
    status: 200,
    timeoutMs: 5_000,
    retries: 10,
    intervalMs: 1_000,
  },
} as const;
