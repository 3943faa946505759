// The command tree (SPEC "Commands": a contract, extend never rename). Each command lives in
// its own module under ./commands; this file only declares options and wires them.
import { Command, Option } from 'commander';
import type { CliIo } from './io.ts';
import { validateCommand } from './commands/validate.ts';
import { windowsCommand } from './commands/windows.ts';
import { releaseCommand, type ReleaseCliOptions } from './commands/release.ts';
import { statusCommand } from './commands/status.ts';
import { doctorCommand } from './commands/doctor.ts';
import { abortCommand, promoteCommand, recoverCommand, resumeCommand, rollbackCommand, type ContinueOptions } from './commands/continue.ts';
import { labCommand, labArtifactCommand, labLoadCommand, labStatusCommand } from './commands/lab.ts';

export type SetStatus = (code: number) => void;

const TRIGGERS = ['ci', 'manual', 'schedule'];
/** `-c, --config FILE`: every command that reads the cluster file takes it the same way. */
const CONFIG_OPTION = ['-c, --config <file>', 'cluster file', 'release.yaml'] as const;

function addReleaseOptions(cmd: Command): Command {
  return cmd
    .option(...CONFIG_OPTION)
    .option('-b, --batch <sizes>', 'batch sizes: N, N% or a list like 1,2,25%', '1')
    .option('--canary <n>', 'a first batch of N servers, then pause for promote/abort')
    .option('--artifact <file>', 'the release to upload')
    .option('--release-id <id>', 'release id (default: a UTC timestamp)')
    .option('--dry-run', 'read the real state, print the plan and commands, change nothing')
    .addOption(new Option('--trigger <trigger>', 'how the release was started (default: ci when CI is set, else manual)').choices(TRIGGERS))
    .option('--force-window', 'start inside a peak window or freeze (needs --reason)')
    .option('--reason <text>', 'why the window is forced (recorded)')
    .option('--wait-for-window', 'sleep until no window blocks, then start')
    .option('--json', 'NDJSON events on stdout')
    .option('--report <file>', 'write a JSON summary to FILE')
    .option('--break-lock', 'break a stale cluster lock (its holder is gone); recorded');
}

export function buildProgram(io: CliIo, setStatus: SetStatus): Command {
  const program = new Command('release')
    .description('Rolling code releases on web farms behind LVS (IPVS) directors.')
    .version('0.1.0', '-V, --version')
    .showHelpAfterError('(run release --help for usage)')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  addReleaseOptions(program).action(async (options: ReleaseCliOptions) => {
    setStatus(await releaseCommand(io, options, { planOnly: false }));
  });

  addReleaseOptions(program.command('plan').description('print the plan and the exact commands; change nothing (= --dry-run)')).action(
    async (options: ReleaseCliOptions) => {
      setStatus(await releaseCommand(io, { ...options, dryRun: true }, { planOnly: true }));
    },
  );

  program
    .command('validate')
    .description('check the cluster file and its pipeline; exit 2 on any problem')
    .option(...CONFIG_OPTION)
    .action(async (options: { config: string }) => {
      setStatus(await validateCommand(io, options));
    });

  program
    .command('windows')
    .description('may a release start at an instant? exit 0 yes, 3 no')
    .option(...CONFIG_OPTION)
    .option('--at <iso>', 'the instant, ISO-8601 with an offset (default: now)')
    .addOption(new Option('--trigger <trigger>', 'ci, manual or schedule (default: ci when CI is set, else manual)').choices(TRIGGERS))
    .action(async (options: { config: string; at?: string; trigger?: string }) => {
      setStatus(await windowsCommand(io, options));
    });

  program
    .command('status')
    .description('the pool on every director, each server\'s release, and the last run')
    .option(...CONFIG_OPTION)
    .option('--json', 'one JSON document on stdout')
    .action(async (options: { config: string; json?: boolean }) => {
      setStatus(await statusCommand(io, options));
    });

  program
    .command('doctor')
    .description('check the cluster against the known LVS/keepalived pitfalls (read-only); exit 3 on an error')
    .option(...CONFIG_OPTION)
    .option('--json', 'one JSON document on stdout')
    .action(async (options: { config: string; json?: boolean }) => {
      setStatus(await doctorCommand(io, options));
    });

  const continuing: [string, string, (io: CliIo, o: ContinueOptions) => Promise<number>][] = [
    ['promote', 'continue a paused canary with the rest of the plan', promoteCommand],
    ['abort', 'roll a paused canary back to what it ran before', abortCommand],
    ['resume', 'continue a run stopped by a peak window or an interruption', resumeCommand],
    ['recover', 'after a crash: every server on one release and back in the pool, verified first', recoverCommand],
  ];
  for (const [name, description, command] of continuing) {
    program
      .command(name)
      .description(description)
      .option(...CONFIG_OPTION)
      .option('--json', 'NDJSON events on stdout')
      .option('--report <file>', 'write a JSON summary to FILE')
      .option('--break-lock', 'break a stale cluster lock (its holder is gone); recorded')
      .option('--force-window', 'promote/resume inside a peak window (needs --reason)')
      .option('--reason <text>', 'why the window is forced (recorded)')
      .action(async (options: ContinueOptions) => {
        setStatus(await command(io, options));
      });
  }
  program
    .command('rollback')
    .description('roll the whole cluster back, with the same drain discipline')
    .option(...CONFIG_OPTION)
    .option('--to <id>', 'the release to go back to (default: what each server ran before the last release)')
    .option('-b, --batch <n>', 'servers out of the pool at once', '1')
    .option('--json', 'NDJSON events on stdout')
    .option('--report <file>', 'write a JSON summary to FILE')
    .option('--break-lock', 'break a stale cluster lock (its holder is gone); recorded')
    .action(async (options: ContinueOptions & { to?: string; batch?: string }) => {
      setStatus(await rollbackCommand(io, options));
    });

  const lab = program
    .command('lab')
    .description('run the lab: a whole LVS cluster on this machine (loopback, no root)')
    .option('--servers <n>', 'real servers', '4')
    .option('--dir <dir>', 'where the lab keeps its files', '.lab')
    .option('--checker <mode>', 'keepalived-like checker on the directors: off, inhibit or delete', 'off')
    .option('--time-scale <f>', 'IPVS timeouts scaled by this factor', '0.01')
    .action(async (options) => {
      setStatus(await labCommand(io, options));
    });
  lab
    .command('artifact')
    .description('build a release artifact the lab app understands')
    .requiredOption('--version <v>', 'release version')
    .addOption(new Option('--broken <how>', 'a release that fails to start, or fails its health checks').choices(['start', 'health']))
    .option('--pad <bytes>', 'add incompressible padding (e.g. 50M) for benchmarks')
    .requiredOption('--out <file>', 'output .tar.gz')
    .action(async (options) => {
      setStatus(await labArtifactCommand(io, options));
    });
  lab
    .command('status')
    .description('the lab as a person sees it: tables, versions, faults')
    .option('--dir <dir>', 'the lab directory', '.lab')
    .action(async (options) => {
      setStatus(await labStatusCommand(io, options));
    });
  lab
    .command('load')
    .description('hit the VIP with requests and report failures (exit 1 if any failed)')
    .option('--dir <dir>', 'the lab directory', '.lab')
    .requiredOption('--duration <d>', 'how long, e.g. 30s')
    .option('--rps <n>', 'requests per second (default: as fast as concurrency allows)')
    .option('--concurrency <n>', 'parallel clients', '8')
    .option('--keepalive', 'reuse connections instead of one per request')
    .action(async (options) => {
      setStatus(await labLoadCommand(io, options));
    });

  return program;
}
