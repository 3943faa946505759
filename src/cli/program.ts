// The command tree (SPEC "Commands": a contract, extend never rename). Each command lives in
// its own module under ./commands; this file declares options, wires them, and decides what an
// option written before a subcommand means: it goes to that subcommand, or is refused.
import { isDeepStrictEqual } from 'node:util';
import { Command, Option } from 'commander';
import { closestMatch } from '../config/did-you-mean.ts';
import { EXIT, ReleaseError } from '../core/errors.ts';
import { writeLine, type CliIo } from './io.ts';
import { validateCommand } from './commands/validate.ts';
import { parseInstant, windowsCommand } from './commands/windows.ts';
import { checkReleaseOptions, releaseCommand, type ReleaseCliOptions } from './commands/release.ts';
import { statusCommand } from './commands/status.ts';
import { doctorCommand } from './commands/doctor.ts';
import { historyCommand } from './commands/history.ts';
import { abortCommand, promoteCommand, resumeCommand, type ContinueOptions } from './commands/continue.ts';
import { recoverCommand, rollbackCommand, type UndoCliOptions } from './commands/rollback.ts';
import { completionCommand, parseShell, type Shell } from './commands/completion.ts';
import { configLine } from './commands/config.ts';
import { examplesText, exitCodesText } from './help.ts';
import { labCommand, labArtifactCommand, labLoadCommand, labSettings, labStatusCommand, type LabCliOptions } from './commands/lab.ts';
import { parseSchemaKind, schemaCommand, type SchemaKind } from './commands/schema.ts';
import { VERSION } from '../version.ts';

/** A parsed command line: the command's path under `release` ('' for a release) and its options. */
export interface Invocation {
  command: string;
  options: Record<string, unknown>;
}

/** What to do with a parsed and checked command line: the CLI runs it; `parseCommandLine` keeps it. */
export type Dispatch = (invocation: Invocation, run: () => Promise<number>) => Promise<void>;

const TRIGGERS = ['ci', 'manual', 'schedule'];
/** `-c, --config FILE`: every command that reads the cluster file takes it the same way (no default here: -c, then RELEASE_CONFIG, then ./release.yaml). */
const CONFIG_OPTION = ['-c, --config <file>', 'cluster file (default: $RELEASE_CONFIG, else ./release.yaml)'] as const;
/** `--limit` given several times, each possibly comma-separated: every value kept, in order. */
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
const LIMIT_OPTION = ['--limit <servers>', 'only these real servers: names or globs (web1*), comma-separated or repeated', collect] as const;

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
    .option('--json', 'NDJSON events on stdout (docs/OUTPUT.md)')
    .option('--report <file>', 'write a JSON summary to FILE')
    .option('--break-lock', 'break a stale cluster lock (its holder is gone); recorded')
    .option(...LIMIT_OPTION);
}

/** `release lab status` → 'lab status'; the root (a release) → ''. */
function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** How a person types the command: `release`, `release lab status`. */
function shown(command: Command): string {
  return ['release', pathOf(command)].filter(Boolean).join(' ');
}

/** An unknown word where `parent` expects one of its subcommands: "did you mean …?" when one is close. */
function unknownCommand(parent: Command, word: string): ReleaseError {
  const match = closestMatch(
    word,
    parent.commands.map((c) => c.name()),
  );
  const list = parent.parent ? `\`release help ${pathOf(parent)}\` lists its commands` : '`release help` lists the commands';
  return new ReleaseError('USAGE', `unknown command "${[pathOf(parent), word].filter(Boolean).join(' ')}".`, {
    hint: match ? `did you mean \`${shown(parent)} ${match}\`? ${list}.` : `${list}.`,
    details: { command: word },
  });
}

/** An unknown option of a command that has subcommands (commander leaves these to the action). */
function unknownOption(command: Command, flag: string): ReleaseError {
  const match = closestMatch(
    flag.split('=')[0] as string,
    command.options.flatMap((o) => (o.long ? [o.long] : [])),
  );
  const help = `\`${['release help', pathOf(command)].filter(Boolean).join(' ')}\` lists the options`;
  return new ReleaseError('USAGE', `unknown option "${flag}" for \`${shown(command)}\`.`, {
    hint: match ? `did you mean ${match}? ${help}.` : `${help}.`,
    details: { option: flag },
  });
}

/**
 * The options of `command`, with those written before it: `release -c eu.yaml rollback` is
 * `release rollback -c eu.yaml`. An option the command does not take, or one given before and
 * after with different values, is refused (exit 2): never dropped in silence.
 */
function optionsOf(command: Command): Record<string, unknown> {
  for (let parent = command.parent; parent; parent = parent.parent) {
    for (const option of parent.options) {
      const key = option.attributeName();
      if (parent.getOptionValueSource(key) !== 'cli') continue;
      const flag = option.long ?? option.flags;
      if (!command.options.some((o) => o.long === option.long)) {
        throw new ReleaseError('USAGE', `${flag} was given before \`${shown(command)}\`, which does not take it.`, {
          hint:
            command.options.length === 0
              ? `\`${shown(command)}\` takes no options: leave ${flag} out.`
              : `\`release help ${pathOf(command)}\` lists the options of \`${shown(command)}\`; ${flag} is an option of \`${shown(parent)}\` without a command.`,
          details: { option: flag, command: pathOf(command) },
        });
      }
      const before = parent.getOptionValue(key) as unknown;
      if (command.getOptionValueSource(key) !== 'cli') {
        command.setOptionValueWithSource(key, before, 'cli');
      } else if (!isDeepStrictEqual(command.getOptionValue(key), before)) {
        throw new ReleaseError(
          'USAGE',
          `${flag} is given twice: ${String(before)} before \`${pathOf(command)}\` and ${String(command.getOptionValue(key))} after it.`,
          {
            hint: `Give ${flag} once, before or after the command: both mean the same.`,
            details: { option: flag, command: pathOf(command) },
          },
        );
      }
    }
  }
  return command.opts();
}

/** A command's action: refuse an unknown subcommand, take the options, check them, dispatch. */
function act<O>(dispatch: Dispatch, run: (options: O) => Promise<number>, check: (options: O) => unknown = () => undefined) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args.at(-1) as Command;
    // commander puts the words it did not place first, then anything after an unknown option.
    const first = command.commands.length > 0 ? command.args[0] : undefined;
    if (first !== undefined) throw first.startsWith('-') ? unknownOption(command, first) : unknownCommand(command, first);
    const options = optionsOf(command) as O;
    check(options);
    await dispatch({ command: pathOf(command), options: options as Record<string, unknown> }, () => run(options));
  };
}

/** `release help [command...]` (and `release lab help …`): commander adds none to a command with an action. */
function addHelpCommand(parent: Command, dispatch: Dispatch): void {
  parent
    .command('help')
    .description('print the help of a command, e.g. `release help status`')
    .argument('[command...]', 'the command')
    .action(async (names: string[], _options: unknown, self: Command) => {
      optionsOf(self);
      let target = parent;
      for (const name of names) {
        const next = target.commands.find((c) => c.name() === name);
        if (!next) throw unknownCommand(target, name);
        target = next;
      }
      await dispatch({ command: pathOf(self), options: { command: names } }, async () => {
        target.outputHelp();
        return EXIT.ok;
      });
    });
}

/** The first line of a command's human output names the cluster file it reads (and why that one), on stderr:
 * stdout stays what scripts read (the plain log's timestamped lines, `status | grep`). */
function announcing(io: CliIo, dispatch: Dispatch, program: () => Command): Dispatch {
  return (invocation, run) =>
    dispatch(invocation, async () => {
      const command = findCommand(program(), invocation.command);
      if (!invocation.options.json && command?.options.some((o) => o.long === '--config')) {
        writeLine(io.stderr, configLine(invocation.options.config as string | undefined, io.env));
      }
      return run();
    });
}

function findCommand(root: Command, path: string): Command | undefined {
  let command: Command | undefined = root;
  for (const name of path.split(' ').filter(Boolean)) command = command?.commands.find((c) => c.name() === name);
  return command;
}

/** Every command of the tree, the root first. */
function allCommands(root: Command): Command[] {
  return [root, ...root.commands.flatMap(allCommands)];
}

export function buildProgram(io: CliIo, outerDispatch: Dispatch): Command {
  const dispatch = announcing(io, outerDispatch, () => program);
  const program = new Command('release')
    .description('Rolling code releases on web farms behind LVS (IPVS) directors.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run release --help for usage)')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .addHelpText(
      'after',
      '\nOptions go before or after the command: `release -c eu.yaml status` is `release status -c eu.yaml`.\n`release help <command>` prints the options of a command. --json output: docs/OUTPUT.md.',
    );

  addReleaseOptions(program).action(act(dispatch, (options: ReleaseCliOptions) => releaseCommand(io, options, { planOnly: false }), checkReleaseOptions));

  addReleaseOptions(program.command('plan').description('print the plan and the exact commands; change nothing (= --dry-run)')).action(
    act(
      dispatch,
      (options: ReleaseCliOptions) => releaseCommand(io, { ...options, dryRun: true }, { planOnly: true }),
      (options: ReleaseCliOptions) => checkReleaseOptions({ ...options, dryRun: true }),
    ),
  );

  program
    .command('validate')
    .description('check the cluster file and its pipeline; exit 2 on any problem')
    .option(...CONFIG_OPTION)
    .option('--json', 'one JSON document on stdout (problems: the `error` event)')
    .action(act(dispatch, (options: { config?: string; json?: boolean }) => validateCommand(io, options)));

  program
    .command('windows')
    .description('may a release start at an instant? exit 0 yes, 3 no')
    .option(...CONFIG_OPTION)
    .option('--at <iso>', 'the instant, ISO-8601 with an offset (default: now)')
    .addOption(new Option('--trigger <trigger>', 'ci, manual or schedule (default: ci when CI is set, else manual)').choices(TRIGGERS))
    .option('--json', 'one JSON document on stdout')
    .action(
      act(
        dispatch,
        (options: { config?: string; at?: string; trigger?: string; json?: boolean }) => windowsCommand(io, options),
        (options) => options.at !== undefined && parseInstant(options.at),
      ),
    );

  program
    .command('status')
    .description("the pool on every director, each server's release, and the last run")
    .option(...CONFIG_OPTION)
    .option('--json', 'one JSON document on stdout')
    .action(act(dispatch, (options: { config?: string; json?: boolean }) => statusCommand(io, options)));

  program
    .command('doctor')
    .description('check the cluster against the known LVS/keepalived pitfalls (read-only); exit 3 on an error')
    .option(...CONFIG_OPTION)
    .option('--json', 'one JSON document on stdout')
    .action(act(dispatch, (options: { config?: string; json?: boolean }) => doctorCommand(io, options)));

  program
    .command('history')
    .description('the releases on each server, which is current where, the bad ones, and the runs (what rollback --to needs)')
    .option(...CONFIG_OPTION)
    .option('--json', 'one JSON document on stdout')
    .action(act(dispatch, (options: { config?: string; json?: boolean }) => historyCommand(io, options)));

  const continuing: [string, string, (io: CliIo, o: ContinueOptions) => Promise<number>][] = [
    ['promote', 'continue a paused canary with the rest of the plan', promoteCommand],
    ['abort', 'roll a paused canary back to what it ran before', abortCommand],
    ['resume', 'continue a run stopped by a peak window or an interruption', resumeCommand],
    ['recover', 'after a crash: every server on one release and back in the pool, verified first', recoverCommand],
  ];
  for (const [name, description, command] of continuing) {
    const continued = program
      .command(name)
      .description(description)
      .option(...CONFIG_OPTION)
      .option('--json', 'NDJSON events on stdout')
      .option('--report <file>', 'write a JSON summary to FILE')
      .option('--break-lock', 'break a stale cluster lock (its holder is gone); recorded')
      .option('--force-window', 'promote/resume inside a peak window (needs --reason)')
      .option('--reason <text>', 'why the window is forced (recorded)');
    // On another machine (another CI runner) than the first run's, the same build again: its sha256 is checked.
    if (name === 'promote' || name === 'resume')
      continued.option('--artifact <file>', "the release's artifact, when the first run's file is not on this machine (same sha256)");
    continued.action(act(dispatch, (options: ContinueOptions) => command(io, options)));
  }
  program
    .command('rollback')
    .description('roll the whole cluster back, with the same drain discipline')
    .option(...CONFIG_OPTION)
    .option('--to <id>', 'the release to go back to (default: what each server ran before the last release)')
    .option('-b, --batch <n>', 'servers out of the pool at once', '1')
    .option('--json', 'NDJSON events on stdout (docs/OUTPUT.md)')
    .option('--report <file>', 'write a JSON summary to FILE')
    .option('--break-lock', 'break a stale cluster lock (its holder is gone); recorded')
    .option(...LIMIT_OPTION)
    .action(act(dispatch, (options: UndoCliOptions & { to?: string; batch?: string; limit?: string[] }) => rollbackCommand(io, options)));

  const lab = program
    .command('lab')
    .description('run the lab: a whole LVS cluster on this machine (loopback, no root)')
    .option('--servers <n>', 'real servers', '4')
    .option('--dir <dir>', 'where the lab keeps its files', '.lab')
    .option('--checker <mode>', 'keepalived-like checker on the directors: off, inhibit or delete', 'off')
    .option('--time-scale <f>', 'IPVS timeouts scaled by this factor', '0.01')
    .option('--tcp-time-scale <f>', 'TCP state timeouts only, scaled by this instead (1: real TIME_WAIT 120 s, ESTABLISHED 900 s; other timers stay scaled)')
    .option(
      '--forward <mode>',
      'nat (Masq, one port per server on 127.0.0.1) or dr (Route, server N on 127.0.1.N at the VIP port, VIP 127.0.0.100 on its lo)',
      'nat',
    )
    .action(act(dispatch, (options: LabCliOptions) => labCommand(io, options), labSettings));
  lab
    .command('artifact')
    .description('build a release artifact the lab app understands')
    .requiredOption('--version <v>', 'release version')
    .addOption(new Option('--broken <how>', 'a release that fails to start, or fails its health checks').choices(['start', 'health']))
    .option('--pad <bytes>', 'add incompressible padding (e.g. 50M) for benchmarks')
    .requiredOption('--out <file>', 'output .tar.gz')
    .action(act(dispatch, (options: Parameters<typeof labArtifactCommand>[1]) => labArtifactCommand(io, options)));
  lab
    .command('status')
    .description('the lab as a person sees it: tables, versions, faults')
    .option('--dir <dir>', 'the lab directory', '.lab')
    .action(act(dispatch, (options: { dir: string }) => labStatusCommand(io, options)));
  lab
    .command('load')
    .description('hit the VIP with requests and report failures (exit 1 if any failed)')
    .option('--dir <dir>', 'the lab directory', '.lab')
    .requiredOption('--duration <d>', 'how long, e.g. 30s')
    .option('--rps <n>', 'requests per second (default: as fast as concurrency allows)')
    .option('--concurrency <n>', 'parallel clients', '8')
    .option('--keepalive', 'reuse connections instead of one per request')
    .action(act(dispatch, (options: Parameters<typeof labLoadCommand>[1]) => labLoadCommand(io, options)));
  program
    .command('schema')
    .description('print the JSON Schema of the cluster file (default) or the pipeline, for editors')
    .argument('[file]', 'cluster or pipeline', parseSchemaKind, 'cluster')
    .action((kind: SchemaKind, _options: unknown, command: Command) => act(dispatch, () => schemaCommand(io, kind))(command));
  program
    .command('completion')
    .description('print a shell completion script for bash or zsh, generated from these commands')
    .argument('<shell>', 'bash or zsh', parseShell)
    .action((shell: Shell, _options: unknown, command: Command) => act(dispatch, () => completionCommand(io, program, shell))(command));

  addHelpCommand(lab, dispatch);
  addHelpCommand(program, dispatch);

  // A word that is not a subcommand (and an unknown option, which may follow one: `release rolback
  // --to v1`) reaches the action, which refuses it with a suggestion, instead of commander's "too
  // many arguments". Set last: subcommands copy the first setting when they are created.
  for (const parent of [lab, program]) parent.allowExcessArguments(true).allowUnknownOption(true);
  // Every --help ends with examples; `release --help` also with the exit codes (from the EXIT and outcome tables).
  for (const command of allCommands(program)) {
    const examples = examplesText(pathOf(command));
    if (examples) command.addHelpText('after', examples);
  }
  program.addHelpText('after', exitCodesText());
  return program;
}

/**
 * The command line as the CLI would run it (the same program, options before or after the
 * command, the same checks), with nothing run: for tests of the examples and of scripts.
 * Throws what the CLI would report (commander's errors, printed to io.stderr first; ReleaseError).
 */
export async function parseCommandLine(argv: string[], io: CliIo): Promise<Invocation> {
  let parsed = undefined as Invocation | undefined;
  await buildProgram(io, async (invocation) => {
    parsed = invocation;
  }).parseAsync(argv, { from: 'user' });
  if (!parsed) throw new ReleaseError('INTERNAL', `no command was parsed from ${JSON.stringify(argv)}`);
  return parsed;
}
