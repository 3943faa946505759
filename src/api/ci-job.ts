// Which CI job runs this (recorded as the lock holder, in run-started and in a canary's `paused`):
// GitLab's CI_JOB_ID, GitHub's GITHUB_RUN_ID, Jenkins' BUILD_TAG; undefined outside CI. The job's
// page, when the CI says where it is, lets `release status` on another runner link the job that paused.

/** One CI system: the variable naming the job, and how the job's page is found. */
interface CiSystem {
  id: (env: NodeJS.ProcessEnv) => string | undefined;
  url: (env: NodeJS.ProcessEnv, id: string) => string | undefined;
}

/** In this order: a GitLab job that runs a GitHub-style variable keeps its own id. */
const CI_SYSTEMS: readonly CiSystem[] = [
  { id: (env) => env.CI_JOB_ID, url: (env) => env.CI_JOB_URL },
  {
    id: (env) => env.GITHUB_RUN_ID,
    url: (env, id) =>
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL.replace(/\/+$/, '')}/${env.GITHUB_REPOSITORY}/actions/runs/${id}` : undefined,
  },
  { id: (env) => env.BUILD_TAG, url: (env) => env.BUILD_URL },
];

/** An http(s) URL on one line, or nothing: the value is printed by status and written to the journal. */
function plainUrl(value: string | undefined): string | undefined {
  return value && /^https?:\/\/[^\s\p{Cc}]+$/u.test(value) ? value : undefined;
}

function systemOf(env: NodeJS.ProcessEnv): { system: CiSystem; id: string } | undefined {
  for (const system of CI_SYSTEMS) {
    const id = system.id(env);
    if (id) return { system, id };
  }
  return undefined;
}

export function ciJobOf(env: NodeJS.ProcessEnv): string | undefined {
  return systemOf(env)?.id;
}

/** The page of the job `ciJobOf` names: GitLab CI_JOB_URL, GitHub's run page, Jenkins BUILD_URL. */
export function ciJobUrlOf(env: NodeJS.ProcessEnv): string | undefined {
  const found = systemOf(env);
  return found ? plainUrl(found.system.url(env, found.id)) : undefined;
}
