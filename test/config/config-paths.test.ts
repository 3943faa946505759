// Issue 8 item 9: every config path a message or hint names (`ssh.passphraseEnv`, `drain.timeout`,
// `realServers[].app.root` …) exists in the schema of the cluster file or of the pipeline, so no
// hint sends the user to a setting the loader then refuses.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { closestMatch } from '../../src/config/did-you-mean.ts';
import type { PathSegment } from '../../src/config/problems.ts';
import { clusterFileSchema, pipelineFileSchema } from '../../src/config/schema.ts';
import { allowedKeysAt } from '../../src/config/zod-findings.ts';
import { stringLiterals } from './string-literals.ts';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** The top-level keys of each file: a name starting with one of these is a config path. */
const SCHEMAS = [
  { file: 'cluster file', schema: clusterFileSchema, keys: Object.keys(clusterFileSchema.shape) },
  { file: 'pipeline', schema: pipelineFileSchema, keys: Object.keys(pipelineFileSchema.shape) },
];
const TOP_LEVEL = SCHEMAS.flatMap((s) => s.keys);

/** `name(.name|[]|[2])+`, not inside a longer dotted name or a file path. */
const DOTTED = /(?<![\w./$-])([A-Za-z_]\w*)((?:\[\d*\])?(?:\.[A-Za-z_]\w*(?:\[\d*\])?)+)/g;

/** 'realServers[].app.root' → ['realServers', 0, 'app', 'root']. */
function segmentsOf(path: string): PathSegment[] {
  return path.split(/\.|(?=\[)/).map((part) => (part.startsWith('[') ? 0 : part));
}

/** Why `path` is not a setting, or undefined when it is one (or is not a config path at all). */
function configPathProblem(path: string): string | undefined {
  const segments = segmentsOf(path);
  const head = segments[0] as string;
  const owner = SCHEMAS.find((s) => s.keys.includes(head));
  if (owner === undefined) {
    // A near miss of a top-level key ("drian.timeout", "realserver.app") is a typo, not prose.
    const near = head.length >= 4 ? closestMatch(head, TOP_LEVEL, 1) : undefined;
    return near === undefined ? undefined : `no top-level key "${head}" (did you mean "${near}"?)`;
  }
  for (const [index, segment] of segments.entries()) {
    if (index === 0 || typeof segment === 'number') continue;
    const allowed = allowedKeysAt(owner.schema, segments.slice(0, index));
    if (!allowed.includes(segment))
      return `the ${owner.file} has no "${segment}" at ${segments.slice(0, index).join('.')} (allowed: ${allowed.join(', ') || 'nothing, it is a value'})`;
  }
  return undefined;
}

/** Every dotted name in every string literal of src/, with the files it appears in. */
function configPathsInSource(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((name) => name.endsWith('.ts'));
  for (const file of files) {
    for (const literal of stringLiterals(readFileSync(`${SRC}${file}`, 'utf8'))) {
      for (const match of literal.matchAll(DOTTED)) found.set(match[0], [...(found.get(match[0]) ?? []), file]);
    }
  }
  return found;
}

describe('config paths named in messages and hints', () => {
  const found = configPathsInSource();

  it('finds the paths the code names (the scan is not blind)', () => {
    for (const known of ['ssh.identityFile', 'ssh.passphraseEnv', 'app.healthFile', 'peakWindows.timezone', 'realServers[].name', 'drain.timeout']) {
      expect([...found.keys()], known).toContain(known);
    }
  });

  it('each exists in the cluster file or pipeline schema', () => {
    const problems = [...found]
      .map(([path, files]) => ({ path, files, problem: configPathProblem(path) }))
      .filter((entry) => entry.problem !== undefined)
      .map(({ path, files, problem }) => `${path} (${[...new Set(files)].join(', ')}): ${problem}`);
    expect(problems).toEqual([]);
  });
});

describe('configPathProblem', () => {
  it.each([
    'ssh.user',
    'directors[].ssh.port',
    'realServers[2].app.root',
    'peakWindows.windows[].triggers',
    'drain.ramp.interval',
    'phases.deploy',
    'app.smoke.host',
  ])('accepts %s', (path) => {
    expect(configPathProblem(path)).toBeUndefined();
  });

  it('refuses a key that is not there, and a near miss of a top-level key', () => {
    expect(configPathProblem('drain.confirmTimeout')).toMatch(/^the pipeline has no "confirmTimeout" at drain/);
    expect(configPathProblem('ssh.identityFile.path')).toMatch(/no "path" at ssh.identityFile \(allowed: nothing, it is a value\)/);
    expect(configPathProblem('drian.timeout')).toBe('no top-level key "drian" (did you mean "drain"?)');
    expect(configPathProblem('realServer[].app')).toBe('no top-level key "realServer" (did you mean "realServers"?)');
  });

  it('leaves prose and file names alone', () => {
    for (const text of ['e.g', 'release.json', 'lab.json', 'keepalived.conf', 'server.host']) expect(configPathProblem(text)).toBeUndefined();
  });
});

describe('stringLiterals', () => {
  it('reads quoted strings and template text, skipping comments and regular expressions', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source as test input, template hole included.
    const source = "const a = 'x.y'; // 'not.this'\nconst b = /'[\"]/g.test(\"p.q\");\nconst c = `t.u ${f('in.hole')} v.w`; /* 'no' */";
    expect(stringLiterals(source)).toEqual(['x.y', 'p.q', 'in.hole', 't.u \u0000 v.w']);
  });
});
