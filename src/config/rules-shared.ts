// Rules for shared files (`linkedDirs`, `linkedFiles`, `link: shared`) and the run-once phases'
// place (`before`/`after` `on: controller`). Their templates are checked with every other
// template (rules-pipeline.ts templatesOf); `on: <server>` against the cluster file in rules-cross.ts.
import { linkedPathProblem, linkedPathsOverlap } from './linked-paths.ts';
import { onceStepsOf, stepsOf } from './pipeline-steps.ts';
import type { Finding, Rule } from './problems.ts';
import { isRecord, recordAt } from './raw.ts';

/** Each linked path is clean and relative, and none is inside another (each is removed, then linked). */
export const linkedPathsAreValid: Rule = (raw) => {
  const findings: Finding[] = [];
  const seen: Array<{ key: string; index: number; path: string }> = [];
  for (const key of ['linkedDirs', 'linkedFiles']) {
    const list = isRecord(raw) ? raw[key] : undefined;
    if (!Array.isArray(list)) continue;
    for (const [index, path] of list.entries()) {
      // A line break or NUL is noControlCharactersInPipeline's to report.
      if (typeof path !== 'string' || /[\0\r\n]/.test(path)) continue;
      const problem = linkedPathProblem(path);
      if (problem) {
        findings.push({ path: [key, index], message: `"${path}" ${problem}`, hint: 'write a path relative to the release, e.g. storage or config/app.php' });
        continue;
      }
      const other = seen.find((s) => linkedPathsOverlap(s.path, path));
      if (other) {
        const what = other.path === path ? 'is listed twice' : `overlaps ${other.key}[${other.index}] ("${other.path}")`;
        findings.push({
          path: [key, index],
          message: `"${path}" ${what}`,
          hint: 'link a directory or a file inside it, not both: shared/ already holds everything under a linked directory',
        });
        continue;
      }
      seen.push({ key, index, path });
    }
  }
  return findings;
};

/** `link: shared` only in prepare (the server is in the pool, the release not live); linked paths need one. */
export const linkStepsArePlaced: Rule = (raw) => {
  const findings: Finding[] = [];
  const links = stepsOf(raw).filter(({ step }) => step['link'] !== undefined);
  for (const { path } of links) {
    if (path[1] !== 'prepare') {
      findings.push({
        path: [...path, 'link'],
        message: `link: shared is in ${String(path[1])}`,
        hint: 'move it to phases.prepare, after the step that unpacks the release: a release is linked before it goes live',
      });
    }
  }
  const count = (key: string) => (isRecord(raw) && Array.isArray(raw[key]) ? (raw[key] as unknown[]).length : 0);
  const linked = count('linkedDirs') + count('linkedFiles');
  if (linked > 0 && !links.some(({ path }) => path[1] === 'prepare')) {
    const key = count('linkedFiles') > 0 ? 'linkedFiles' : 'linkedDirs';
    findings.push({
      path: [key],
      message: `${key} is set, but no step links it`,
      hint: 'add `- link: shared` to phases.prepare, after the step that unpacks the release',
    });
  }
  if (linked === 0) {
    for (const { path } of links)
      findings.push({
        path: [...path, 'link'],
        warning: true,
        message: 'link: shared links nothing',
        hint: 'list the shared paths in linkedDirs and linkedFiles, or remove the step',
      });
  }
  return findings;
};

// The controller is the machine running `release`: its commands are this process's children, and
// root there is nothing a release may ask for.
export const controllerStepsWithoutSudo: Rule = (raw) =>
  onceStepsOf(raw).flatMap(({ path, step, controller }): Finding[] => {
    if (!controller || recordAt(step, 'run')?.['sudo'] !== true) return [];
    return [
      {
        path: [...path, 'run', 'sudo'],
        message: 'a step on the controller cannot run with sudo',
        hint: 'run it as the user running release, or on a server (on: first)',
      },
    ];
  });
