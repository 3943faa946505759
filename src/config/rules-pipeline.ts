// Rules for a pipeline's meaning: one action per step, templates that can render safely, sane ramps and checks.

import { validateTemplate, type TemplateContext } from '../shell/template.ts';
import { CONTROLLER_VARS, PIPELINE_VARS } from './pipeline-vars.ts';
import { onceStepsOf, runStepsOf, stepsOf } from './pipeline-steps.ts';
import type { Finding, PathSegment, Rule } from './problems.ts';
import { isRecord, recordAt, recordsAt, stringAt } from './raw.ts';
import type { RawRecord } from './raw.ts';
import { noControlCharacters } from './rules-safety.ts';
import { controllerStepsWithoutSudo, linkedPathsAreValid, linkStepsArePlaced } from './rules-shared.ts';

export { onceStepsOf, stepsOf } from './pipeline-steps.ts';

const ACTIONS = ['run', 'app', 'upload', 'http', 'link'] as const;

export interface TemplateField {
  path: PathSegment[];
  template: string;
  /** How the engine renders it (deploy/phase.ts, smoke/http.ts): the loader checks it the same way. */
  context: TemplateContext;
  /** The variables it may use (default PIPELINE_VARS; a step on the controller has no server's). */
  vars?: readonly string[];
}

function addRunTemplates(path: PathSegment[], step: RawRecord, add: (path: PathSegment[], value: unknown, context: TemplateContext) => void): void {
  const run = step['run'];
  add([...path, 'run'], run, 'shell');
  if (isRecord(run)) {
    add([...path, 'run', 'cmd'], run['cmd'], 'shell');
    if (Array.isArray(run['argv'])) for (const [i, element] of run['argv'].entries()) add([...path, 'run', 'argv', i], element, 'argv');
  }
}

/** Every templated field of the pipeline: where it is, and the context its values land in. An `app`
 * step has none: it runs the cluster file's command as written; nor has `link` (plain paths). */
export function templatesOf(raw: unknown): TemplateField[] {
  const found: TemplateField[] = [];
  const add = (path: PathSegment[], value: unknown, context: TemplateContext) => {
    if (typeof value === 'string') found.push({ path, template: value, context });
  };
  for (const { path, step } of stepsOf(raw)) {
    addRunTemplates(path, step, add);
    const upload = recordAt(step, 'upload');
    for (const key of ['from', 'to']) add([...path, 'upload', key], upload?.[key], 'text');
    const http = recordAt(step, 'http');
    add([...path, 'http', 'path'], http?.['path'], 'url-path');
    add([...path, 'http', 'host'], http?.['host'], 'text');
    const expect = recordAt(http, 'expect');
    add([...path, 'http', 'expect', 'body'], expect?.['body'], 'text');
    add([...path, 'http', 'expect', 'bodyPattern'], expect?.['bodyPattern'], 'pattern');
    for (const [name, value] of Object.entries(recordAt(expect, 'header') ?? {})) add([...path, 'http', 'expect', 'header', name], value, 'text');
  }
  for (const { path, step, controller } of onceStepsOf(raw)) {
    addRunTemplates(path, step, (p, value, context) => {
      if (typeof value === 'string') found.push({ path: p, template: value, context, ...(controller ? { vars: CONTROLLER_VARS } : {}) });
    });
  }
  return found;
}

export const stepsHaveOneAction: Rule = (raw) =>
  runStepsOf(raw).flatMap(({ path, step }): Finding[] => {
    const actions = ACTIONS.filter((action) => step[action] !== undefined);
    if (actions.length !== 1 && path[0] === 'phases') {
      return [
        {
          path,
          message: actions.length === 0 ? 'the step has no action' : `the step has ${actions.join(' and ')}`,
          hint: 'give each step exactly one of run, app, upload, http or link',
        },
      ];
    }
    const run = recordAt(step, 'run');
    if (run && (run['cmd'] === undefined) === (run['argv'] === undefined)) {
      return [
        {
          path: [...path, 'run'],
          message: 'a run step needs exactly one of "cmd" or "argv"',
          hint: 'write cmd: "a shell command", or argv: [program, arg, ...]',
        },
      ];
    }
    return [];
  });

export const templatesAreValid: Rule = (raw) =>
  templatesOf(raw).flatMap(({ path, template, context, vars }) =>
    validateTemplate(template, vars ?? PIPELINE_VARS, { context }).map((problem) => {
      const name = /^unknown variable \{\{(.+)\}\}$/.exec(problem.message)?.[1];
      // A server's value in a step on the controller: say why, not just "unknown".
      if (vars && name !== undefined && (PIPELINE_VARS as readonly string[]).includes(name)) {
        return {
          path,
          message: `{{${name}}} is a server's value, but this step runs on the controller (on: controller)`,
          hint: `use ${vars.map((v) => `{{${v}}}`).join(', ')}, or run the step on a server (on: first)`,
        };
      }
      return { path, message: problem.message, hint: problem.hint };
    }),
  );

// Whether a body pattern compiles is checked with its template (templatesAreValid, context 'pattern').
export const httpChecksAreValid: Rule = (raw) =>
  stepsOf(raw).flatMap(({ path, step }): Finding[] => {
    const http = recordAt(step, 'http');
    const findings: Finding[] = [];
    // NOTE: values are URL-encoded into the path, so a path starting with {{x}} could never start with "/".
    const urlPath = stringAt(http, 'path');
    if (urlPath !== undefined && !urlPath.startsWith('/')) {
      findings.push({
        path: [...path, 'http', 'path'],
        message: `"${urlPath}" does not start with "/"`,
        hint: 'write the path part of the URL, e.g. /health; the server and port come from the cluster file',
      });
    }
    const expect = recordAt(http, 'expect');
    const status = expect?.['status'];
    if (typeof status === 'number' && (status < 100 || status > 599)) {
      findings.push({
        path: [...path, 'http', 'expect', 'status'],
        message: `${status} is not an HTTP status`,
        hint: 'use a status from 100 to 599, e.g. 200',
      });
    }
    return findings;
  });

export const uploadModesAreOctal: Rule = (raw) =>
  stepsOf(raw).flatMap(({ path, step }): Finding[] => {
    const mode = stringAt(recordAt(step, 'upload'), 'mode');
    if (mode === undefined || /^0?[0-7]{3}$/.test(mode)) return [];
    return [{ path: [...path, 'upload', 'mode'], message: `"${mode}" is not a file mode`, hint: 'write an octal mode in quotes, e.g. "0644"' }];
  });

/** '10%' or 0.1 → 0.1; undefined when neither. */
export function parseRampStep(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 0 && value <= 1 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  const fraction = match ? Number(match[1]) / 100 : undefined;
  return fraction !== undefined && fraction > 0 && fraction <= 1 ? fraction : undefined;
}

export const rampIsValid: Rule = (raw) => {
  const ramp = recordAt(raw, 'drain')?.['ramp'];
  const steps = Array.isArray(ramp) ? ramp : recordAt(recordAt(raw, 'drain'), 'ramp')?.['steps'];
  if (!Array.isArray(steps)) return [];
  const base = ['drain', 'ramp', ...(Array.isArray(ramp) ? [] : ['steps'])];
  const fractions = steps.map(parseRampStep);
  const bad = fractions.indexOf(undefined);
  if (bad >= 0)
    return [
      {
        path: [...base, bad],
        message: `${JSON.stringify(steps[bad])} is not a weight step`,
        hint: 'write a percentage of the original weight, e.g. 10%, 50%, 100%',
      },
    ];
  const values = fractions as number[];
  const unordered = values.findIndex((value, i) => i > 0 && value <= (values[i - 1] ?? Number.NEGATIVE_INFINITY));
  if (unordered >= 0) return [{ path: [...base, unordered], message: 'ramp steps must increase', hint: 'list the steps from the smallest to 100%' }];
  if (values.at(-1) !== 1)
    return [
      { path: [...base, values.length - 1], message: 'the last ramp step is not 100%', hint: 'end the ramp with 100% so the server gets its weight back' },
    ];
  return [];
};

export const phasesAreComplete: Rule = (raw) => {
  const phases = recordAt(raw, 'phases');
  if (phases === undefined) return [];
  const steps = (phase: string) => (Array.isArray(phases[phase]) ? (phases[phase] as unknown[]) : []);
  const findings: Finding[] = [];
  if (steps('deploy').length === 0)
    findings.push({ path: ['phases'], message: 'the pipeline has no deploy steps', hint: 'add phases.deploy with the steps that switch the release' });
  if (!recordsAt(phases, 'verify').some(({ item }) => item['http'] !== undefined)) {
    findings.push({
      path: ['phases'],
      warning: true,
      message: 'no http smoke check in verify: servers go back into the pool unchecked',
      hint: 'add a verify step: - http: { path: /, expect: { status: 200 } }',
    });
  }
  if (steps('rollback').length === 0)
    findings.push({
      path: ['phases'],
      warning: true,
      message: 'no rollback steps: a failed server cannot be switched back',
      hint: 'add phases.rollback with the steps that switch back to {{previous}}',
    });
  return findings;
};

/** `run: { cmd, sudo: true }` would be `sudo -n sh -c`: root for anything, so a sudoers line cannot narrow it. */
export const sudoOnlyWithArgv: Rule = (raw) =>
  runStepsOf(raw).flatMap(({ path, step }): Finding[] => {
    const run = recordAt(step, 'run');
    if (run?.['sudo'] !== true || run['argv'] !== undefined) return [];
    return [
      {
        path: [...path, 'run', 'sudo'],
        message: 'a shell command (run.cmd) cannot run with sudo: true',
        hint: 'use run.argv: [program, arg, ...] with sudo: true (sent as `sudo -n program arg ...`, which a sudoers line can name), or write `sudo -n` inside the command',
      },
    ];
  });

/** Line breaks are allowed only in shell commands (scripts); NUL nowhere. */
export function noControlCharactersInPipeline(raw: unknown): Finding[] {
  return noControlCharacters(raw, (path) => path.at(-1) === 'run' || (path.at(-1) === 'cmd' && path.at(-2) === 'run'));
}

/** With healthfile keepalived puts the weight back (at once, its configured weight): a ramp cannot be followed. */
export const rampNeedsWeightMethod: Rule = (raw) => {
  const drain = recordAt(raw, 'drain');
  if (drain?.['ramp'] === undefined || drain['method'] !== 'healthfile') return [];
  return [
    {
      path: ['drain', 'ramp'],
      message: 'a weight ramp cannot be followed with drain.method healthfile: keepalived restores the configured weight itself once the health check passes',
      hint: 'remove drain.ramp, or drain with ipvsadm or quiesce (the tool then sets every step of the weight)',
    },
  ];
};

export const pipelineRules: readonly Rule[] = [
  noControlCharactersInPipeline,
  stepsHaveOneAction,
  templatesAreValid,
  httpChecksAreValid,
  uploadModesAreOctal,
  sudoOnlyWithArgv,
  rampIsValid,
  rampNeedsWeightMethod,
  phasesAreComplete,
  linkedPathsAreValid,
  linkStepsArePlaced,
  controllerStepsWithoutSudo,
];
