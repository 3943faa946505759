// Rules that need both files: the pipeline's variables and drain method against the cluster's app settings.

import { parseTemplate } from '../shell/template-parse.ts';
import { suggestionHint } from './did-you-mean.ts';
import { formatPath } from './problems.ts';
import type { Finding, PathSegment } from './problems.ts';
import { isRecord, recordAt, recordsAt, stringAt } from './raw.ts';
import { stepsOf, templatesOf } from './rules-pipeline.ts';
import { APP_ACTIONS, ONCE_PHASES, ONCE_PLACES, type AppAction } from './schema.ts';

export interface CrossFindings {
  cluster: Finding[];
  pipeline: Finding[];
}
export type CrossRule = (cluster: unknown, pipeline: unknown) => CrossFindings;

function usedVariables(pipeline: unknown): Set<string> {
  const names = new Set<string>();
  for (const { template } of templatesOf(pipeline)) {
    for (const part of parseTemplate(template).parts) if (part.kind === 'var') names.add(part.name);
  }
  return names;
}

type AppKey = 'root' | 'healthFile' | AppAction;

/** Servers with no value for app.<key> (neither their own nor the cluster's). */
function serversMissing(cluster: unknown, key: AppKey): Array<{ index: number }> {
  if (stringAt(recordAt(cluster, 'app'), key) !== undefined) return [];
  return recordsAt(cluster, 'realServers').filter(({ item }) => stringAt(recordAt(item, 'app'), key) === undefined);
}

function missingSetting(cluster: unknown, key: 'root' | 'healthFile', why: string, hint: string): Finding[] {
  const missing = serversMissing(cluster, key);
  if (missing.length === 0) return [];
  const all = missing.length === recordsAt(cluster, 'realServers').length;
  const paths: PathSegment[][] = all ? [[recordAt(cluster, 'app') ? 'app' : 'realServers']] : missing.map(({ index }) => ['realServers', index]);
  return paths.map((path) => ({ path, message: `app.${key} is not set, but ${why}`, hint }));
}

export const appSettingsCoverPipeline: CrossRule = (cluster, pipeline) => {
  const used = usedVariables(pipeline);
  const healthfileDrain = stringAt(recordAt(pipeline, 'drain'), 'method') === 'healthfile';
  const findings: Finding[] = [];
  const links = stepsOf(pipeline).some(({ step }) => step['link'] !== undefined);
  const rootWhy = used.has('root')
    ? 'the pipeline uses {{root}}'
    : used.has('shared')
      ? 'the pipeline uses {{shared}} ({{root}}/shared)'
      : links
        ? 'the pipeline links shared files into {{root}}/releases (link: shared)'
        : undefined;
  if (rootWhy) {
    findings.push(...missingSetting(cluster, 'root', rootWhy, 'set app.root to the deploy root on the servers, e.g. /srv/www/app'));
  }
  if (healthfileDrain || used.has('healthFile')) {
    const why = healthfileDrain ? 'the pipeline drains by health file' : 'the pipeline uses {{healthFile}}';
    findings.push(...missingSetting(cluster, 'healthFile', why, "set app.healthFile to the file keepalived's health check fetches"));
  }
  return { cluster: findings, pipeline: [] };
};

// NOTE: keepalived re-adds or re-weights destinations on its own when a health check flips,
// so draining with ipvsadm behind its back can be undone mid-release.
export const keepalivedPrefersHealthfile: CrossRule = (cluster, pipeline) => {
  const method = stringAt(recordAt(pipeline, 'drain'), 'method') ?? 'ipvsadm';
  if (method === 'healthfile') return { cluster: [], pipeline: [] };
  const managed = recordsAt(cluster, 'directors').find(({ item }) => stringAt(item, 'keepalived') !== undefined);
  if (managed === undefined) return { cluster: [], pipeline: [] };
  return {
    cluster: [],
    pipeline: [
      {
        path: recordAt(pipeline, 'drain') ? ['drain', 'method'] : [],
        warning: true,
        message: `drain method ${method} on a keepalived-managed pool (directors[${managed.index}].keepalived): keepalived may re-add a drained server`,
        hint: 'use a pipeline with drain method healthfile (e.g. pipeline: healthfile)',
      },
    ],
  };
};

/** Paths of the steps `app: <action>` (or `app: { action }`), by action. */
function appStepsOf(pipeline: unknown): Map<AppAction, PathSegment[][]> {
  const steps = new Map<AppAction, PathSegment[][]>();
  for (const { path, step } of stepsOf(pipeline)) {
    const app = step['app'];
    const action = isRecord(app) ? app['action'] : app;
    const known = APP_ACTIONS.find((name) => name === action);
    if (known) steps.set(known, [...(steps.get(known) ?? []), [...path, 'app']]);
  }
  return steps;
}

const VERBS: Record<AppAction, string> = { restart: 'restarts', reload: 'reloads' };

// The restart/reload command is the operator's (systemctl, supervisorctl, a script...): a fact of the
// cluster, so a shipped pipeline never carries one. Said once per missing key, naming every step.
export const appCommandsCoverPipeline: CrossRule = (cluster, pipeline) => {
  const name = stringAt(pipeline, 'name');
  const findings = [...appStepsOf(pipeline)].flatMap(([action, paths]): Finding[] => {
    const missing = serversMissing(cluster, action);
    if (missing.length === 0) return [];
    const where = paths.map(formatPath).join(' and ');
    const who = name === undefined ? 'the pipeline' : `pipeline "${name}"`;
    const why = `${who} ${VERBS[action]} the app at ${where}`;
    if (missing.length === recordsAt(cluster, 'realServers').length) {
      const hint = `add app.${action} to the cluster file: the command that ${VERBS[action]} the app on a server, run as written, e.g. app: { ${action}: "sudo -n systemctl ${action} shop" }`;
      return [{ path: [recordAt(cluster, 'app') ? 'app' : 'realServers'], message: `app.${action} is not set, but ${why}`, hint }];
    }
    const hint = `set app.${action} for every server: once in the cluster's app, or in this server's app`;
    return missing.map(({ index }) => ({ path: ['realServers', index], message: `app.${action} is not set for this server, but ${why}`, hint }));
  });
  return { cluster: findings, pipeline: [] };
};

/** The name each real server goes by in a run (its `name`, else its `host`). */
function serverNames(cluster: unknown): string[] {
  return recordsAt(cluster, 'realServers').flatMap(({ item }) => {
    const name = stringAt(item, 'name') ?? stringAt(item, 'host');
    return name === undefined ? [] : [name];
  });
}

// `before.on: web1` names a server of the cluster the pipeline runs against; a shipped or shared
// pipeline says `first` or `controller` instead.
export const oncePlacesAreServers: CrossRule = (cluster, pipeline) => {
  const names = serverNames(cluster);
  const findings = ONCE_PHASES.flatMap((which): Finding[] => {
    const on = stringAt(recordAt(pipeline, which), 'on');
    if (on === undefined || (ONCE_PLACES as readonly string[]).includes(on) || names.includes(on)) return [];
    return [
      {
        path: [which, 'on'],
        message: `"${on}" is neither a real server of the cluster file nor first or controller`,
        hint: suggestionHint(on, [...ONCE_PLACES, ...names], 'on is one of'),
      },
    ];
  });
  return { cluster: [], pipeline: findings };
};

export const crossRules: readonly CrossRule[] = [appSettingsCoverPipeline, appCommandsCoverPipeline, keepalivedPrefersHealthfile, oncePlacesAreServers];
