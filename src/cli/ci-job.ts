// Which CI job runs this (recorded as the lock holder and in run-started): GitLab's CI_JOB_ID,
// GitHub's GITHUB_RUN_ID, Jenkins' BUILD_TAG; undefined outside CI.
export function ciJobOf(env: NodeJS.ProcessEnv): string | undefined {
  return env.CI_JOB_ID || env.GITHUB_RUN_ID || env.BUILD_TAG || undefined;
}
