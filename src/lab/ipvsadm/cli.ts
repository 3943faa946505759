// The lab's `ipvsadm`: one invocation of ipvsadm 1.31 against a director's IpvsState, pure
// (argv and stdin in, stdout/stderr/exit status out). `main` in ipvsadm.c: start-up check,
// bare `ipvsadm` lists the table, everything else goes through process_options.
import { renderIpvsList } from '../../ipvs/list-render.ts';
import { createIo, shellStatus } from './io.ts';
import type { Io } from './io.ts';
import { processOptions } from './process.ts';
import { runRestore } from './restore.ts';
import type { IpvsState } from './state.ts';
import type { InitError } from './types.ts';

export interface IpvsadmResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunIpvsadmOptions {
  /** argv[0] as the help hints print it (`Try \`ipvsadm -h' …`); 'ipvsadm' by default. */
  program?: string;
}

const NOT_SURE = 'Are you sure that IP Virtual Server is built in the kernel or as module?';

// What `ipvs_init` failing prints (after modprobe's own complaint when the module is missing).
function initFailure(io: Io, error: InitError, kernelRelease: string): number {
  if (error === 'no-ipvs') {
    io.stderr.push(`modprobe: FATAL: Module ip_vs not found in directory /lib/modules/${kernelRelease}\n`);
    io.stderr.push(`Can't initialize ipvs: Protocol not available\n${NOT_SURE}\n`);
  } else {
    io.stderr.push(`Can't initialize ipvs: Permission denied (you must be root)\n${NOT_SURE}\n`);
  }
  return 2;
}

/**
 * Run `ipvsadm ARGV...` (argv without the program name) on `state`, with `stdin` for `-R`.
 * The state changes as the real kernel table would; nothing else is touched.
 */
export function runIpvsadm(state: IpvsState, argv: readonly string[], stdin = '', options: RunIpvsadmOptions = {}): IpvsadmResult {
  const io = createIo(options.program ?? 'ipvsadm');
  const finish = (exitCode: number): IpvsadmResult => ({ stdout: io.stdout.join(''), stderr: io.stderr.join(''), exitCode });
  if (state.initError) return finish(initFailure(io, state.initError, state.kernelRelease));
  if (argv.length === 0) {
    io.stdout.push(renderIpvsList(state.table()));
    return finish(0);
  }
  const status = processOptions(argv, { io, state, stdin, readingStdin: false }, runRestore);
  return finish(typeof status === 'number' ? shellStatus(status) : status.exitCode);
}
