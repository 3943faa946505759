// Issue 12 item 6: the JSON Schemas editors check the files with. They must accept what the loader
// accepts (the input form: `app: restart`, `ramp: [...]`, durations as text or seconds, `x-` keys)
// and refuse what it refuses at the shape level; every shipped file names its schema.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { tryParseDuration } from '../../src/config/duration.ts';
import { buildJsonSchema, DURATION_PATTERN, SCHEMA_KINDS, schemaUrl, type SchemaKind } from '../../src/config/json-schema.ts';
import { clusterFileSchema, pipelineFileSchema } from '../../src/config/schema.ts';
import { parseYamlSource } from '../../src/config/yaml-source.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Every YAML file a user gets from the package: examples/**\/*.yaml and pipelines/*.yaml. */
const SHIPPED = [
  ...(readdirSync(`${repo}examples`, { recursive: true }) as string[]).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`),
  ...readdirSync(`${repo}pipelines`)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `pipelines/${f}`),
].sort();

const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
ajv.addKeyword('patternErrorMessage');
const validators = Object.fromEntries(SCHEMA_KINDS.map((kind) => [kind, ajv.compile(buildJsonSchema(kind))])) as Record<
  SchemaKind,
  ReturnType<typeof ajv.compile>
>;

function validate(kind: SchemaKind, data: unknown): ErrorObject[] {
  const check = validators[kind];
  return check(data) ? [] : [...(check.errors ?? [])];
}

/** What the loader's schema step says (it drops top-level `x-` keys first). */
function loaderAccepts(kind: SchemaKind, data: unknown): boolean {
  const own = Object.fromEntries(Object.entries(data as Record<string, unknown>).filter(([key]) => !key.startsWith('x-')));
  return (kind === 'cluster' ? clusterFileSchema : pipelineFileSchema).safeParse(own).success;
}

function read(file: string): { text: string; data: Record<string, unknown> } {
  const text = readFileSync(`${repo}${file}`, 'utf8');
  const source = parseYamlSource(file, text);
  expect(source.errors, file).toEqual([]);
  return { text, data: source.data as Record<string, unknown> };
}

/** A pipeline has phases; everything else shipped as YAML is a cluster file. */
const kindOf = (data: Record<string, unknown>): SchemaKind => ('phases' in data ? 'pipeline' : 'cluster');

describe('the shipped YAML files', () => {
  it('are found (the scan is not blind)', () => {
    expect(SHIPPED).toEqual(
      expect.arrayContaining([
        'examples/broken/release.yaml',
        'examples/two-directors-dr/release.yaml',
        'examples/two-directors-dr/pipeline.yaml',
        'pipelines/symlink.yaml',
        'pipelines/healthfile.yaml',
      ]),
    );
  });

  it.each(SHIPPED)('%s names its schema on its first line', (file) => {
    const { text, data } = read(file);
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${schemaUrl(kindOf(data))}`);
  });

  it.each(SHIPPED.filter((f) => f !== 'examples/broken/release.yaml'))('%s is valid against its schema', (file) => {
    const { data } = read(file);
    expect(validate(kindOf(data), data)).toEqual([]);
  });

  it('examples/broken/release.yaml: the schema flags its misspelt key; its other four mistakes are for `release validate`', () => {
    const { data } = read('examples/broken/release.yaml');
    expect(validate('cluster', data).map((e) => [e.instancePath, e.keyword, e.params])).toEqual([
      ['/ssh', 'additionalProperties', { additionalProperty: 'identitfile' }],
    ]);
  });
});

describe('the schema URL', () => {
  it('points into the package of this major version', () => {
    expect(schemaUrl('cluster', '0.1.0')).toBe('https://cdn.jsdelivr.net/npm/lvs-release@0/dist/schema/cluster.schema.json');
    expect(schemaUrl('pipeline', '2.3.4')).toBe('https://cdn.jsdelivr.net/npm/lvs-release@2/dist/schema/pipeline.schema.json');
  });
});

/** A parsed YAML file that a case edits freely (it may break the shape on purpose). */
// biome-ignore lint/suspicious/noExplicitAny: the cases reach into arbitrary YAML, including keys that must not exist.
type AnyYaml = any;

/** A deep copy of `data` with `change` applied. */
function changed<T>(data: T, change: (copy: AnyYaml) => void): T {
  const copy = structuredClone(data);
  change(copy);
  return copy;
}

describe('accepts exactly what the loader accepts', () => {
  const cluster = read('examples/two-directors-dr/release.yaml').data;
  const pipeline = read('pipelines/symlink.yaml').data;

  const clusterCases: Array<[string, (c: AnyYaml) => void, boolean]> = [
    ['as shipped', () => {}, true],
    [
      'a misspelt top-level key (realServer)',
      (c) => {
        c.realServer = c.realServers;
        delete c.realServers;
      },
      false,
    ],
    [
      'an unknown top-level key',
      (c) => {
        c.directorz = [];
      },
      false,
    ],
    [
      'an x- key of the user',
      (c) => {
        c['x-defaults'] = { user: 'deploy' };
      },
      true,
    ],
    [
      'an x- key below the top level',
      (c) => {
        c.ssh['x-note'] = 'no';
      },
      false,
    ],
    [
      'a misspelt nested key',
      (c) => {
        c.ssh.identitfile = c.ssh.identityFile;
      },
      false,
    ],
    [
      'a duration as text',
      (c) => {
        c.lock = { staleAfter: '1m30s', heartbeat: '500ms' };
      },
      true,
    ],
    [
      'a duration in seconds',
      (c) => {
        c.lock = { staleAfter: 90, heartbeat: 1.5 };
      },
      true,
    ],
    [
      'a duration with a space',
      (c) => {
        c.lock = { staleAfter: '2 min' };
      },
      false,
    ],
    [
      'a duration with units out of order',
      (c) => {
        c.peakWindows.guard = '30s1m';
      },
      false,
    ],
    [
      'a negative duration',
      (c) => {
        c.peakWindows.guard = -1;
      },
      false,
    ],
    [
      'an unknown protocol',
      (c) => {
        c.services[0].protocol = 'icmp';
      },
      false,
    ],
    [
      'a port out of range',
      (c) => {
        c.realServers[0].port = 70000;
      },
      false,
    ],
    [
      'a fractional fwmark',
      (c) => {
        c.services = [{ fwmark: 1.5 }];
      },
      false,
    ],
    [
      'no directors',
      (c) => {
        c.directors = [];
      },
      false,
    ],
    [
      'no cluster name',
      (c) => {
        delete c.cluster;
      },
      false,
    ],
    [
      'a cluster name that is a number',
      (c) => {
        c.cluster = 42;
      },
      false,
    ],
    [
      'days as a list',
      (c) => {
        c.peakWindows.windows[0].days = ['sat', 'sun'];
      },
      true,
    ],
    [
      'days as an empty list',
      (c) => {
        c.peakWindows.windows[0].days = [];
      },
      false,
    ],
    [
      'an unknown trigger',
      (c) => {
        c.peakWindows.windows[0].triggers = ['cron'];
      },
      false,
    ],
    [
      'per-server app overrides',
      (c) => {
        c.realServers[0].app = { restart: 'sudo -n systemctl restart a', smoke: { port: 8080 } };
      },
      true,
    ],
    [
      'smoke checks through SSH',
      (c) => {
        c.app.smoke = { via: 'ssh' };
        c.realServers[0].app = { smoke: { via: 'direct' } };
      },
      true,
    ],
    [
      'an unknown smoke.via',
      (c) => {
        c.app.smoke = { via: 'tunnel' };
      },
      false,
    ],
  ];

  it.each(clusterCases)('cluster file: %s', (_name, change, accepted) => {
    const data = changed(cluster, change);
    expect(loaderAccepts('cluster', data), 'the loader').toBe(accepted);
    expect(validate('cluster', data).length === 0, 'the JSON schema').toBe(accepted);
  });

  const pipelineCases: Array<[string, (p: AnyYaml) => void, boolean]> = [
    ['as shipped', () => {}, true],
    [
      'a misspelt top-level key (phase)',
      (p) => {
        p.phase = p.phases;
        delete p.phases;
      },
      false,
    ],
    [
      'an x- key of the user',
      (p) => {
        p['x-steps'] = [{ run: 'true' }];
      },
      true,
    ],
    [
      'app: restart (the short form)',
      (p) => {
        p.phases.deploy = [{ app: 'restart' }];
      },
      true,
    ],
    [
      'app: reload',
      (p) => {
        p.phases.deploy = [{ app: 'reload' }];
      },
      true,
    ],
    [
      'app: restrat',
      (p) => {
        p.phases.deploy = [{ app: 'restrat' }];
      },
      false,
    ],
    [
      'app: { action, timeout }',
      (p) => {
        p.phases.deploy = [{ app: { action: 'restart', timeout: '60s' } }];
      },
      true,
    ],
    [
      'app: { action } with an unknown key',
      (p) => {
        p.phases.deploy = [{ app: { action: 'restart', when: 'always' } }];
      },
      false,
    ],
    [
      'app: { timeout } without an action',
      (p) => {
        p.phases.deploy = [{ app: { timeout: '60s' } }];
      },
      false,
    ],
    [
      'ramp as a list (the short form)',
      (p) => {
        p.drain = { ramp: ['10%', '50%', '100%'] };
      },
      true,
    ],
    [
      'ramp as { steps, interval }',
      (p) => {
        p.drain = { ramp: { steps: ['10%', 100], interval: '10s' } };
      },
      true,
    ],
    [
      'ramp as an empty list',
      (p) => {
        p.drain = { ramp: [] };
      },
      false,
    ],
    [
      'ramp without steps',
      (p) => {
        p.drain = { ramp: { interval: '10s' } };
      },
      false,
    ],
    [
      'ramp as a word',
      (p) => {
        p.drain = { ramp: 'fast' };
      },
      false,
    ],
    [
      'drain durations as text and seconds',
      (p) => {
        p.drain = { settle: '2s', timeout: 300, poll: '0.5s' };
      },
      true,
    ],
    [
      'a duration that is not one',
      (p) => {
        p.stepTimeout = 'soon';
      },
      false,
    ],
    [
      'an unknown drain method',
      (p) => {
        p.drain = { method: 'drop' };
      },
      false,
    ],
    [
      'run as { argv }',
      (p) => {
        p.phases.cleanup = [{ run: { argv: ['true'], timeout: '5s', sudo: false } }];
      },
      true,
    ],
    [
      'run as an empty argv',
      (p) => {
        p.phases.cleanup = [{ run: { argv: [] } }];
      },
      false,
    ],
    [
      'run as a number',
      (p) => {
        p.phases.cleanup = [{ run: 5 }];
      },
      false,
    ],
    [
      'an http check',
      (p) => {
        p.phases.verify = [{ http: { path: '/', expect: { status: 200, header: { 'X-Release': '{{release}}' } }, retries: 3 } }];
      },
      true,
    ],
    [
      'an http check without a path',
      (p) => {
        p.phases.verify = [{ http: { expect: { status: 200 } } }];
      },
      false,
    ],
    [
      'no phases',
      (p) => {
        delete p.phases;
      },
      false,
    ],
    [
      'an unknown phase',
      (p) => {
        p.phases.predeploy = [];
      },
      false,
    ],
    [
      'linked paths and link: shared',
      (p) => {
        p.linkedDirs = ['storage', 'var/log'];
        p.linkedFiles = ['.env'];
        p.phases.prepare.push({ link: 'shared' });
      },
      true,
    ],
    [
      'link: something else',
      (p) => {
        p.phases.prepare.push({ link: 'current' });
      },
      false,
    ],
    [
      'linkedFiles as a word',
      (p) => {
        p.linkedFiles = '.env';
      },
      false,
    ],
    [
      'before and after',
      (p) => {
        p.before = { on: 'controller', steps: [{ name: 'migrate', run: { argv: ['php', 'artisan', 'migrate'], timeout: '10m' } }] };
        p.after = { on: 'first', onFailure: 'rollback', steps: [{ run: 'echo {{release}}' }] };
      },
      true,
    ],
    [
      'before without steps',
      (p) => {
        p.before = { on: 'first', steps: [] };
      },
      false,
    ],
    [
      'before without on',
      (p) => {
        p.before = { steps: [{ run: 'true' }] };
      },
      false,
    ],
    [
      'a before step that is not a run',
      (p) => {
        p.before = { on: 'first', steps: [{ http: { path: '/' } }] };
      },
      false,
    ],
    [
      'after.onFailure: ignore',
      (p) => {
        p.after = { on: 'first', onFailure: 'ignore', steps: [{ run: 'true' }] };
      },
      false,
    ],
    [
      'onFailure on before',
      (p) => {
        p.before = { on: 'first', onFailure: 'rollback', steps: [{ run: 'true' }] };
      },
      false,
    ],
  ];

  it.each(pipelineCases)('pipeline: %s', (_name, change, accepted) => {
    const data = changed(pipeline, change);
    expect(loaderAccepts('pipeline', data), 'the loader').toBe(accepted);
    expect(validate('pipeline', data).length === 0, 'the JSON schema').toBe(accepted);
  });
});

describe('DURATION_PATTERN', () => {
  const pattern = new RegExp(DURATION_PATTERN, 'u');
  it.each([
    '500ms',
    '30s',
    '5m',
    '1h30m',
    '1.5s',
    '90',
    '0',
    ' 30s ',
    '1d2h3m4s5ms',
    '5m5ms',
    '1.5',
    '',
    's',
    '30 s',
    '1m1h',
    '1s1s',
    '.5s',
    '5.s',
    'abc',
    '1h 30m',
    '-5',
    'Infinity',
  ])('agrees with the loader on %j', (text) => {
    expect(pattern.test(text)).toBe(tryParseDuration(text) !== undefined);
  });
});

describe('buildJsonSchema', () => {
  it('is a draft-07 schema with a title and help on the keys', () => {
    const schema = buildJsonSchema('cluster') as { $schema: string; title: string; properties: Record<string, { description?: string }> };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.title).toMatch(/cluster file/);
    expect(
      Object.entries(schema.properties)
        .filter(([, p]) => !p.description)
        .map(([key]) => key),
    ).toEqual([]);
  });
});
