// What `--help` ends with: two or three examples per command (a test runs each through the
// parser), and for `release --help` the exit codes, printed from EXIT and the outcome table
// (src/runner/exit-status.ts) rather than copied by hand.
import { EXIT, type ExitStatus } from '../core/errors.ts';
import { EXIT_BY_OUTCOME } from '../runner/exit-status.ts';

/** Examples by command path ('' is `release` itself). Every command of the tree has an entry. */
export const HELP_EXAMPLES: Record<string, readonly string[]> = {
  '': [
    'release --batch 2 --artifact dist/app.tar.gz --report release-report.json',
    'release --canary 1 --artifact dist/app.tar.gz',
    'release --limit web1,web2 --artifact dist/app.tar.gz',
  ],
  plan: ['release plan --batch 2 --artifact dist/app.tar.gz', 'release plan --limit "web1*" --artifact dist/app.tar.gz --json'],
  validate: ['release validate', 'release validate -c eu.yaml --json'],
  windows: ['release windows', 'release windows --at 2026-11-25T10:00:00+08:00 --trigger schedule', 'release windows --json'],
  status: ['release status', 'RELEASE_CONFIG=eu.yaml release status --json'],
  doctor: ['release doctor', 'release doctor -c eu.yaml --json'],
  history: ['release history', 'release history --json'],
  promote: ['release promote', 'release promote --json --report promote-report.json'],
  abort: ['release abort', 'release abort --report abort-report.json'],
  resume: ['release resume', 'release resume --force-window --reason "INC-1234 hotfix"'],
  recover: ['release recover', 'release recover --break-lock'],
  rollback: ['release rollback', 'release rollback --to 20261124T020000Z --batch 2', 'release rollback --to 20261124T020000Z --limit web3'],
  completion: ['release completion bash > /etc/bash_completion.d/lvs-release', 'release completion zsh > ~/.zfunc/_release'],
  schema: ['release schema > release.schema.json', 'release schema pipeline'],
  help: ['release help status', 'release help lab artifact'],
  lab: ['release lab --servers 4 --dir .lab', 'release lab --forward dr --checker inhibit'],
  'lab artifact': ['release lab artifact --version v2 --out v2.tar.gz', 'release lab artifact --version v3 --broken health --out v3.tar.gz'],
  'lab status': ['release lab status', 'release lab status --dir .lab'],
  'lab load': ['release lab load --duration 30s', 'release lab load --duration 1m --rps 200 --keepalive'],
  'lab help': ['release lab help artifact', 'release lab help load'],
};

export function examplesText(path: string): string | undefined {
  const examples = HELP_EXAMPLES[path];
  if (!examples) return undefined;
  return `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}`;
}

/** What each exit status means; keyed by EXIT's names, so a new status cannot go unlisted. */
const EXIT_MEANINGS = {
  ok: 'released, or the command succeeded (a dry run, a paused canary, a window that allows a start)',
  failedRolledBack: 'the release failed and was rolled back',
  usage: 'usage or config error; nothing touched the network',
  refused: 'refused: peak window, freeze, lock held, preflight failed (nothing changed); doctor found an error; windows says no',
  rollbackFailed: 'a rollback failed: manual action needed, the servers named stay out of the pool',
  interrupted: 'interrupted; the state is consistent and recorded (`release resume` continues)',
} as const satisfies Record<keyof typeof EXIT, string>;

/** The exit codes, and the status of each run outcome, for `release --help`. */
export function exitCodesText(): string {
  const codes = (Object.entries(EXIT) as [keyof typeof EXIT, ExitStatus][]).map(([name, code]) => `  ${String(code).padStart(3)}  ${EXIT_MEANINGS[name]}`);
  const outcomes = Object.entries(EXIT_BY_OUTCOME).map(([outcome, by]) =>
    by.release === by.undo ? `${outcome} ${by.release}` : `${outcome} ${by.release} (${by.undo} after abort/rollback/recover)`,
  );
  return `\nExit codes:\n${codes.join('\n')}\n  by run outcome: ${outcomes.join(', ')}`;
}
