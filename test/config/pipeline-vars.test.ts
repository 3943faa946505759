import { describe, expect, it } from 'vitest';
import { PIPELINE_VARS, pipelineTemplateVars } from '../../src/config/pipeline-vars.ts';
import { renderShellTemplate, templateVarNames } from '../../src/shell/template.ts';
import { thrown } from '../shell/errors.ts';

const server = {
  host: 'web1.example.net',
  name: 'web1',
  address: '10.0.1.11',
  port: 80,
  app: { root: '/srv/www/app', healthFile: '/srv/www/app/ready.html', smoke: { scheme: 'http' as const, port: 80 } },
};

describe('pipelineTemplateVars', () => {
  it('provides every documented variable', () => {
    const vars = pipelineTemplateVars({
      cluster: { name: 'web-prod' },
      pipeline: { keepReleases: 5 },
      server,
      release: 'r2',
      previous: 'r1',
      artifact: '/tmp/app.tar.gz',
    });
    expect(templateVarNames(vars).sort()).toEqual([...PIPELINE_VARS].sort());
    expect(renderShellTemplate('{{cluster}} {{server.name}} {{server.address}}:{{server.port}} {{root}} {{keep}} {{previous}}', vars)).toBe(
      'web-prod web1 10.0.1.11:80 /srv/www/app 5 r1',
    );
  });

  it("renders previous as '' on a first release, and refuses an unset root", () => {
    const vars = pipelineTemplateVars({
      cluster: { name: 'c' },
      pipeline: { keepReleases: 5 },
      server: { ...server, app: { smoke: server.app.smoke } },
      release: 'r1',
    });
    expect(renderShellTemplate('test -n {{previous}}', vars)).toBe("test -n ''");
    expect(thrown(() => renderShellTemplate('cd {{root}}', vars)).message).toContain('has no value');
  });
});
