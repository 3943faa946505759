import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderArgv, renderShellTemplate, renderTemplate, templateVarNames, validateTemplate } from '../../src/shell/template.ts';
import type { TemplateVars } from '../../src/shell/template.ts';
import { thrown } from './errors.ts';

const vars: TemplateVars = {
  release: '20260301T020000Z',
  previous: '20260228T020000Z',
  root: '/srv/www/my app',
  keep: 5,
  evil: '$(touch /tmp/lvs-release-pwned); `id`',
  dash: '-rf',
  empty: '',
  server: { host: 'web1.example.net', name: 'web1', port: 8080 },
};

const sh = (command: string) => execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8' });

describe('renderShellTemplate', () => {
  it('inserts every value quoted, as one word', () => {
    expect(renderShellTemplate('ls {{root}}/releases/{{release}}', vars)).toBe("ls '/srv/www/my app'/releases/20260301T020000Z");
  });

  it('keeps hostile values inert in a real shell', () => {
    expect(sh(renderShellTemplate('printf %s {{evil}}', vars))).toBe(vars['evil']);
  });

  it('reads dotted names and numbers, with spaces inside the braces', () => {
    expect(renderShellTemplate('echo {{ server.host }}:{{server.port}} keep={{keep}}', vars)).toBe('echo web1.example.net:8080 keep=5');
  });

  it("quotes an empty value as ''", () => {
    expect(sh(renderShellTemplate('printf "[%s]" {{empty}}', vars))).toBe('[]');
  });

  it('names the known variables when one is unknown', () => {
    const error = thrown(() => renderShellTemplate('echo {{relase}}', vars));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('{{relase}}');
    expect(error.hint).toContain('{{release}}');
    expect(error.hint).toContain('{{server.host}}');
  });

  it('refuses a value starting with "-" at the start of a word', () => {
    const error = thrown(() => renderShellTemplate('rm {{dash}}', vars));
    expect(error.code).toBe('TEMPLATE_UNSAFE');
    expect(error.message).toContain('{{dash}}');
    expect(thrown(() => renderShellTemplate('a; {{dash}}', vars)).code).toBe('TEMPLATE_UNSAFE');
    expect(thrown(() => renderShellTemplate('x=$({{dash}})', vars)).code).toBe('TEMPLATE_UNSAFE');
  });

  it('allows "-" inside a word', () => {
    expect(renderShellTemplate('touch ./{{dash}} --opt={{dash}} a{{dash}}', vars)).toBe('touch ./-rf --opt=-rf a-rf');
  });

  it.each([
    ['newline', 'a\nb'],
    ['carriage return', 'a\rb'],
    ['NUL', 'a\0b'],
  ])('refuses a value with a %s', (_, value) => {
    expect(thrown(() => renderShellTemplate('echo {{v}}', { v: value })).code).toBe('TEMPLATE_UNSAFE');
  });

  it('refuses placeholders inside quotes or after a backslash', () => {
    expect(thrown(() => renderShellTemplate("echo '{{release}}'", vars)).code).toBe('TEMPLATE_UNSAFE');
    expect(thrown(() => renderShellTemplate('echo "{{release}}"', vars)).code).toBe('TEMPLATE_UNSAFE');
    expect(thrown(() => renderShellTemplate('echo \\{{release}}', vars)).code).toBe('TEMPLATE_UNSAFE');
  });

  it('allows placeholders after a closed quote and in multi-line scripts', () => {
    const script = "echo 'x'{{release}}\n# it's a comment\ncd {{root}}";
    expect(renderShellTemplate(script, vars)).toBe("echo 'x'20260301T020000Z\n# it's a comment\ncd '/srv/www/my app'");
  });

  it('says when a known variable has no value here', () => {
    const error = thrown(() => renderShellTemplate('echo {{previous}}', { ...vars, previous: undefined }));
    expect(error.message).toContain('has no value');
  });

  it('refuses a malformed placeholder', () => {
    expect(thrown(() => renderShellTemplate('echo {{ not valid }}', vars)).code).toBe('CONFIG_INVALID');
  });
});

describe('renderTemplate', () => {
  it('inserts values as they are', () => {
    expect(renderTemplate('{{root}}/releases/{{release}}.tar.gz', vars)).toBe('/srv/www/my app/releases/20260301T020000Z.tar.gz');
  });

  it('refuses line breaks and unknown names', () => {
    expect(thrown(() => renderTemplate('/{{v}}', { v: 'a\nb' })).code).toBe('TEMPLATE_UNSAFE');
    expect(thrown(() => renderTemplate('/{{nope}}', vars)).code).toBe('CONFIG_INVALID');
  });
});

describe('renderArgv', () => {
  it('renders each element and quotes it whole', () => {
    const command = renderArgv(['printf', '%s|', '{{root}}/current', '{{evil}}'], vars);
    expect(sh(command)).toBe(`/srv/www/my app/current|${String(vars['evil'])}|`);
  });

  it('refuses an element whose value starts with "-", allows literal options and "-" inside', () => {
    expect(thrown(() => renderArgv(['rm', '{{dash}}'], vars)).code).toBe('TEMPLATE_UNSAFE');
    expect(renderArgv(['ls', '-la', './{{dash}}'], vars)).toBe('ls -la ./-rf');
  });
});

describe('validateTemplate', () => {
  const known = ['release', 'root', 'server.host'];

  it('reports unknown names with an index and the known ones', () => {
    const [problem, ...rest] = validateTemplate('cd {{root}} && echo {{relese}}', known);
    expect(rest).toEqual([]);
    expect(problem?.message).toBe('unknown variable {{relese}}');
    expect(problem?.index).toBe(20);
    expect(problem?.hint).toContain('{{release}}');
  });

  it('reports quoted placeholders only for shell templates', () => {
    expect(validateTemplate('echo "{{release}}"', known, { context: 'shell' })).toHaveLength(1);
    expect(validateTemplate('"{{release}}"', known)).toEqual([]);
  });

  it('accepts a clean template', () => {
    expect(validateTemplate('ln -sfn releases/{{release}} {{root}}/.current.tmp', known, { context: 'shell' })).toEqual([]);
  });
});

describe('templateVarNames', () => {
  it('flattens nested variables to dotted names', () => {
    expect(templateVarNames({ a: '1', server: { host: 'h', port: 1 } })).toEqual(['a', 'server.host', 'server.port']);
  });
});

describe('render contexts (the escaping of a smoke check: URL path, regular expression, text)', () => {
  const values: TemplateVars = { release: 'r1 (hotfix)/a.b', server: { host: 'web1', name: 'web1' } };

  it('url-path encodes each value as one path component; the literal text stays', () => {
    expect(renderTemplate('/v/{{release}}?h={{ server.host }}', values, 'url-path')).toBe('/v/r1%20(hotfix)%2Fa.b?h=web1');
  });

  it('pattern escapes each value so it matches itself literally', () => {
    const source = renderTemplate('^version={{release}} host={{server.name}}$', values, 'pattern');
    expect(new RegExp(source).test('version=r1 (hotfix)/a.b host=web1')).toBe(true);
    expect(new RegExp(source).test('version=r1 (hotfix)/aXb host=web1')).toBe(false);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: every regex metacharacter, `${}` among them
    expect(renderTemplate('{{v}}', { v: '.*+?^${}()|[]\\/' }, 'pattern')).toBe('\\.\\*\\+\\?\\^\\$\\{\\}\\(\\)\\|\\[\\]\\\\/');
  });

  it('text inserts values as they are (bodies and headers)', () => {
    expect(renderTemplate('{{release}}', values, 'text')).toBe('r1 (hotfix)/a.b');
    expect(renderTemplate('{{release}}', values)).toBe('r1 (hotfix)/a.b');
  });

  it('refuses line breaks, unknown names and values missing here in every context', () => {
    for (const context of ['text', 'url-path', 'pattern'] as const) {
      expect(thrown(() => renderTemplate('/{{v}}', { v: 'a\nb' }, context)).code).toBe('TEMPLATE_UNSAFE');
      const unknown = thrown(() => renderTemplate('/{{nope}}', values, context));
      expect([unknown.code, unknown.message]).toEqual(['CONFIG_INVALID', 'unknown variable {{nope}}']);
      expect(thrown(() => renderTemplate('/{{previous}}', { ...values, previous: undefined }, context)).message).toContain('has no value');
    }
  });
});

describe('validateTemplate by context', () => {
  const known = ['release', 'root'];

  it('checks a regular expression with its placeholders filled', () => {
    expect(validateTemplate('^v={{release}}+$', known, { context: 'pattern' })).toEqual([]);
    const [problem] = validateTemplate('v=({{release}}', known, { context: 'pattern' });
    expect(problem?.message).toMatch(/^not a regular expression: /);
  });

  it('applies the shell rules to shell commands only', () => {
    expect(validateTemplate('echo "{{release}}"', known, { context: 'shell' })).toHaveLength(1);
    for (const context of ['argv', 'text', 'url-path', 'pattern'] as const) expect(validateTemplate('"{{release}}"', known, { context })).toEqual([]);
  });
});
