// Issue 8 item 4: the shipped pipelines run on real servers. They carry no lab-only command: the
// app's restart/reload is the cluster file's app.restart/app.reload, and validate says when a
// pipeline needs one that is missing.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SHIPPED_PIPELINES } from '../../src/config/defaults.ts';
import { loadCluster } from '../../src/config/load.ts';
import { PACKAGE_ROOT } from '../../src/config/pipeline-path.ts';
import { formatProblems } from '../../src/config/problems.ts';
import { fixture, LOAD, memoryFs } from './builders.ts';

/** Tools and variables that exist only in the lab (`release lab`), never on a real server. */
const LAB_ONLY = [/\bapp-ctl\b/, /\bLAB_[A-Z_]*/];

/** The cluster fixture using a shipped pipeline by name, read from this package. */
async function loadShipped(name: string, edit: (text: string) => string = (text) => text) {
  const text = edit(
    fixture('minimal.yaml').replace('pipeline: pipeline.yaml', `pipeline: ${name}`).replace('root: app', 'root: app\n  healthFile: app/shared/health.html'),
  );
  const fs = memoryFs({ '/cfg/release.yaml': text });
  const realFs = { readFile: (path: string) => (path.startsWith('/cfg/') ? fs.readFile(path) : Promise.resolve(readFileSync(path, 'utf8'))) };
  return loadCluster('/cfg/release.yaml', { ...LOAD, fs: realFs });
}

describe('pipelines/', () => {
  const files = readdirSync(`${PACKAGE_ROOT}pipelines`);

  it.each(files)('%s names no lab-only tool (app-ctl, LAB_*)', (file) => {
    const text = readFileSync(`${PACKAGE_ROOT}pipelines/${file}`, 'utf8');
    for (const pattern of LAB_ONLY) expect(text, `${file} mentions ${pattern}`).not.toMatch(pattern);
  });

  it.each(SHIPPED_PIPELINES)("%s restarts the app with the cluster file's app.restart", async (name) => {
    const result = await loadShipped(name, (text) => text.replace('root: app', 'root: app\n  restart: sudo -n systemctl restart shop'));
    if (!result.ok) throw new Error(formatProblems(result.problems));
    const appSteps = Object.values(result.pipeline.phases)
      .flat()
      .filter((step) => step.kind === 'app');
    expect(appSteps.map((step) => step.kind === 'app' && step.action)).toEqual(['restart', 'restart']);
    expect(result.cluster.realServers[0]!.app.restart).toBe('sudo -n systemctl restart shop');
  });

  it.each(SHIPPED_PIPELINES)('%s without app.restart: validate names the cluster key and the pipeline steps', async (name) => {
    const result = await loadShipped(name);
    if (result.ok) throw new Error('loaded without app.restart');
    expect(formatProblems(result.problems)).toBe(
      `/cfg/release.yaml:16:3 app: app.restart is not set, but pipeline "${name}" restarts the app at phases.deploy[1].app and phases.rollback[1].app. ` +
        'Fix: add app.restart to the cluster file: the command that restarts the app on a server, run as written, e.g. app: { restart: "sudo -n systemctl restart shop" }.',
    );
  });

  it('per-server app.restart overrides the cluster one', async () => {
    const result = await loadShipped('symlink', (text) =>
      text
        .replace('root: app', 'root: app\n  restart: systemctl restart shop')
        .replace('name: web2, port: 9002,', 'name: web2, port: 9002, app: { restart: systemctl restart shop-canary },'),
    );
    if (!result.ok) throw new Error(formatProblems(result.problems));
    expect(result.cluster.realServers.map((s) => s.app.restart)).toEqual(['systemctl restart shop', 'systemctl restart shop-canary']);
  });
});

describe('app.restart and app.reload in the cluster file', () => {
  it('are run as written: a {{placeholder}} in them is refused, naming the field', async () => {
    const result = await loadShipped('symlink', (text) => text.replace('root: app', 'root: app\n  restart: systemctl restart shop@{{server.name}}'));
    if (result.ok) throw new Error('loaded a templated app.restart');
    expect(formatProblems(result.problems)).toMatch(/^\/cfg\/release\.yaml:17:\d+ app\.restart: app\.restart is run as written, not templated/);
  });
});
