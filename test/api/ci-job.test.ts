// The CI job a run records (lock holder, run-started, a canary's pause) and its page, per CI system.
import { describe, expect, it } from 'vitest';
import { ciJobOf, ciJobUrlOf } from '../../src/api/ci-job.ts';

describe('ciJobOf / ciJobUrlOf', () => {
  it.each([
    ['GitLab', { CI_JOB_ID: '123456', CI_JOB_URL: 'https://gitlab.example/ops/web/-/jobs/123456' }, '123456', 'https://gitlab.example/ops/web/-/jobs/123456'],
    [
      'GitHub',
      { GITHUB_RUN_ID: '9876543210', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/shop' },
      '9876543210',
      'https://github.com/acme/shop/actions/runs/9876543210',
    ],
    [
      'Jenkins',
      { BUILD_TAG: 'jenkins-web-release-42', BUILD_URL: 'https://jenkins.example/job/web-release/42/' },
      'jenkins-web-release-42',
      'https://jenkins.example/job/web-release/42/',
    ],
    ['GitHub without its server URL', { GITHUB_RUN_ID: '1' }, '1', undefined],
    ['no CI', {}, undefined, undefined],
  ])('%s', (_name, env, id, url) => {
    expect(ciJobOf(env)).toBe(id);
    expect(ciJobUrlOf(env)).toBe(url);
  });

  it('the URL belongs to the job it names (GitLab first), and only a one-line http(s) URL is kept', () => {
    expect(ciJobUrlOf({ CI_JOB_ID: '7', GITHUB_RUN_ID: '8', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'a/b' })).toBeUndefined();
    expect(ciJobUrlOf({ BUILD_TAG: 't', BUILD_URL: 'javascript:alert(1)' })).toBeUndefined();
    expect(ciJobUrlOf({ BUILD_TAG: 't', BUILD_URL: 'https://jenkins.example/job/x/1/\nFAKE LOG LINE' })).toBeUndefined();
  });
});
