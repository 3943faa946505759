// The shapes of the cluster file and the pipeline (DESIGN.md). Shape and types only: the
// meaning (addresses, times, duplicates, templates) is checked by the named rules.

import * as z from 'zod';
import { TRIGGERS } from '../windows/types.ts';
import { DURATION_HINT, tryParseDuration } from './duration.ts';

/** A duration string or seconds, parsed to milliseconds. */
export const durationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = tryParseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${String(value)}" is not a duration`, params: { hint: DURATION_HINT } });
    return z.NEVER;
  }
  return ms;
});

const port = z.number().int().min(1).max(65535);
const count = z.number().int().min(0);

const hostSsh = z.strictObject({
  user: z.string().optional(),
  port: port.optional(),
  identityFile: z.string().optional(),
  passphraseEnv: z.string().optional(),
  knownHosts: z.string().optional(),
  jumpHost: z.string().optional(),
  sudo: z.boolean().optional(),
  connectTimeout: durationSchema.optional(),
  /** Channels (commands, uploads) open at once on one host's connection; OpenSSH's MaxSessions is 10. */
  maxSessions: z.number().int().min(1).max(64).optional(),
});

const clusterSsh = hostSsh.extend({ concurrency: z.number().int().min(1).optional() });

/** How a smoke check reaches a server: straight from this machine, or through the server's own SSH connection. */
export const SMOKE_VIAS = ['direct', 'ssh'] as const;
export type SmokeVia = (typeof SMOKE_VIAS)[number];

const smoke = z.strictObject({
  scheme: z.enum(['http', 'https']).optional(),
  host: z.string().optional(),
  port: port.optional(),
  via: z.enum(SMOKE_VIAS).optional(),
});

const app = z.strictObject({
  root: z.string().optional(),
  healthFile: z.string().optional(),
  healthUrl: z.string().optional(),
  restart: z.string().optional(),
  reload: z.string().optional(),
  smoke: smoke.optional(),
});

const director = z.strictObject({
  host: z.string(),
  name: z.string().optional(),
  ssh: hostSsh.optional(),
  keepalived: z.string().optional(),
});

const service = z.strictObject({
  vip: z.string().optional(),
  fwmark: z.number().int().min(1).optional(),
  protocol: z.enum(['tcp', 'udp', 'sctp']).optional(),
  family: z.enum(['inet', 'inet6']).optional(),
});

const realServer = z.strictObject({
  host: z.string(),
  name: z.string().optional(),
  address: z.string().optional(),
  port: port.optional(),
  ssh: hostSsh.optional(),
  app: app.optional(),
});

const triggers = z.array(z.enum(TRIGGERS)).min(1);

const peakWindow = z.strictObject({
  name: z.string(),
  days: z.union([z.string(), z.array(z.string()).min(1)]),
  from: z.string(),
  to: z.string(),
  triggers: triggers.optional(),
});

const freeze = z.strictObject({
  from: z.string(),
  to: z.string(),
  reason: z.string().min(1),
  triggers: triggers.optional(),
});

const peakWindows = z.strictObject({
  timezone: z.string(),
  windows: z.array(peakWindow).optional(),
  freezes: z.array(freeze).optional(),
  guard: durationSchema.optional(),
});

export const clusterFileSchema = z.strictObject({
  cluster: z.string(),
  directors: z.array(director).min(1),
  services: z.array(service).min(1),
  realServers: z.array(realServer).min(1),
  ssh: clusterSsh.optional(),
  app: app.optional(),
  peakWindows: peakWindows.optional(),
  pipeline: z.string().optional(),
  journal: z.strictObject({ dir: z.string().optional() }).optional(),
  lock: z.strictObject({ path: z.string().optional(), staleAfter: durationSchema.optional(), heartbeat: durationSchema.optional() }).optional(),
});

/** The cluster file after the schema: the user's values, durations in ms, no defaults yet. */
export type ClusterFile = z.output<typeof clusterFileSchema>;

const ramp = z.preprocess(
  (value) => (Array.isArray(value) ? { steps: value } : value),
  z.strictObject({
    steps: z.array(z.union([z.string(), z.number()])).min(1),
    interval: durationSchema.optional(),
  }),
);

const drain = z.strictObject({
  method: z.enum(['ipvsadm', 'quiesce', 'healthfile']).optional(),
  connections: z.enum(['director', 'server']).optional(),
  threshold: count.optional(),
  settle: durationSchema.optional(),
  timeout: durationSchema.optional(),
  onTimeout: z.enum(['fail', 'proceed']).optional(),
  poll: durationSchema.optional(),
  ramp: ramp.optional(),
  allowHardCut: z.boolean().optional(),
  keepalived: z.enum(['warn', 'refuse']).optional(),
  waitForPersistence: z.boolean().optional(),
});

const runObject = z.strictObject({
  cmd: z.string().optional(),
  argv: z.array(z.string()).min(1).optional(),
  timeout: durationSchema.optional(),
  sudo: z.boolean().optional(),
});

const upload = z.strictObject({
  from: z.string(),
  to: z.string(),
  mode: z.string().optional(),
});

const http = z.strictObject({
  path: z.string(),
  method: z.enum(['GET', 'HEAD']).optional(),
  expect: z
    .strictObject({
      status: z.number().int().optional(),
      body: z.string().optional(),
      bodyPattern: z.string().optional(),
      header: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  timeout: durationSchema.optional(),
  retries: count.optional(),
  interval: durationSchema.optional(),
  host: z.string().optional(),
});

/** What an `app` step asks of the cluster file's app settings: app.restart or app.reload. */
export const APP_ACTIONS = ['restart', 'reload'] as const;
export type AppAction = (typeof APP_ACTIONS)[number];

// `app: restart` is short for `app: { action: restart }` (one shape, so a typo gets a did-you-mean).
const appStep = z.preprocess(
  (value) => (typeof value === 'string' ? { action: value } : value),
  z.strictObject({ action: z.enum(APP_ACTIONS), timeout: durationSchema.optional() }),
);

/** What a `link` step links: `link: shared` (the pipeline's linkedDirs and linkedFiles). */
export const LINK_TARGETS = ['shared'] as const;

const step = z.strictObject({
  name: z.string().optional(),
  run: z.union([z.string(), runObject]).optional(),
  app: appStep.optional(),
  upload: upload.optional(),
  http: http.optional(),
  link: z.enum(LINK_TARGETS).optional(),
});

export const PHASES = ['prepare', 'deploy', 'verify', 'rollback', 'cleanup'] as const;
export type PhaseName = (typeof PHASES)[number];

const steps = z.array(step);

/** `before.on` / `after.on`: a real server's name, the first server of the plan, or this machine. */
export const ONCE_PLACES = ['first', 'controller'] as const;
/** A run-once phase: where it runs and its `run` steps (the only kind that makes sense once). */
export const ONCE_PHASES = ['before', 'after'] as const;
export type OncePhaseName = (typeof ONCE_PHASES)[number];

const onceStep = z.strictObject({
  name: z.string().optional(),
  run: z.union([z.string(), runObject]),
});

const once = z.strictObject({
  on: z.string(),
  steps: z.array(onceStep).min(1),
});

export const AFTER_FAILURES = ['warn', 'rollback'] as const;

export const pipelineFileSchema = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  drain: drain.optional(),
  rollback: z.enum(['all', 'failed']).optional(),
  keepReleases: z.number().int().min(1).optional(),
  prepareAhead: z.boolean().optional(),
  stepTimeout: durationSchema.optional(),
  /** Relative to the release: each a directory in {{root}}/shared linked into every release. */
  linkedDirs: z.array(z.string()).optional(),
  /** Relative to the release: each a file that must exist in {{root}}/shared, linked into every release. */
  linkedFiles: z.array(z.string()).optional(),
  before: once.optional(),
  after: once.extend({ onFailure: z.enum(AFTER_FAILURES).optional() }).optional(),
  phases: z.strictObject({
    prepare: steps.optional(),
    deploy: steps.optional(),
    verify: steps.optional(),
    rollback: steps.optional(),
    cleanup: steps.optional(),
  }),
});

/** The pipeline file after the schema: durations in ms, no defaults yet. */
export type PipelineFile = z.output<typeof pipelineFileSchema>;
export type PipelineStepFile = z.output<typeof step>;
export type OnceStepFile = z.output<typeof onceStep>;
