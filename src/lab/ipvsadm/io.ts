// The emulated process's output and its ways to end: C's `fail()`/`exit()` become a Halt
// value the callers pass up, so nothing throws and the output written so far is kept.

/** What the program has printed so far. */
export interface Io {
  stdout: string[];
  stderr: string[];
  /** argv[0] as the messages print it. */
  program: string;
}

/** The process ended (C `exit(exitCode)`); the output is in the Io. */
export interface Halt {
  kind: 'halt';
  exitCode: number;
}

export function createIo(program = 'ipvsadm'): Io {
  return { stdout: [], stderr: [], program };
}

export function halt(exitCode: number): Halt {
  return { kind: 'halt', exitCode };
}

export function isHalt(value: unknown): value is Halt {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'halt';
}

/** ipvsadm `fail(err, msg)`: the message and a newline on stderr, then exit. */
export function fail(io: Io, exitCode: number, message: string): Halt {
  io.stderr.push(`${message}\n`);
  return halt(exitCode);
}

/** ipvsadm `tryhelp_exit(program, -1)`: the hint on stderr, exit status 255. */
export function tryHelp(io: Io): Halt {
  io.stderr.push(`Try \`${io.program} -h' or '${io.program} --help' for more information.\n`);
  return halt(255);
}

/** An exit status as the shell sees it (`exit(-1)` and `return -1` are 255). */
export function shellStatus(status: number): number {
  return ((status % 256) + 256) % 256;
}
