// One exec per director per step: every server's ipvsadm command of a batch, then the reads that
// confirm them, in one script. Each command's exit status and output come back separately,
// after a marker line no output can forge (a random nonce). Built by the one script builder:
// each line is `sudo -n ipvsadm …` (an argv), never a shell run as root.
import { CONN_REDUCER_AWK } from '../ipvs/conn-live.ts';
import { sh, type ShellScript } from '../shell/script.ts';

/** One command of the script: an argv (sudo prefix included), and what to call its result. */
export interface ScriptStep {
  id: string;
  argv: readonly string[];
  /** Pipe its output through the connection-table reducer (the `-L -n -c` read). */
  reduceConnections?: boolean;
}

export interface StepOutput {
  exitCode: number;
  /** stdout and stderr, in the order written (ipvsadm's changes print only errors). */
  output: string;
}

const ID = /^[A-Za-z0-9_.-]+$/;

/** The script; each step's output is followed by `@@NONCE ID STATUS`. */
export function buildDirectorScript(steps: readonly ScriptStep[], nonce: string): ShellScript {
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) throw new TypeError('director script nonce must be hex');
  if (steps.length === 0) throw new TypeError('director script: no step');
  return steps
    .map((step) => {
      if (!ID.test(step.id)) throw new TypeError(`director script: bad step id ${JSON.stringify(step.id)}`);
      const marker = `@@${nonce}`;
      // The reducer reads only stdout: ipvsadm's errors go to the exec's stderr (the reducer exits 3).
      const run = step.reduceConnections ? sh`${step.argv} | awk ${CONN_REDUCER_AWK}` : sh`${step.argv} 2>&1`;
      // The marker starts with a newline of its own: output without a final newline stays exact.
      return sh`${run}; printf '\\n%s %s %s\\n' ${marker} ${step.id} "$?"`;
    })
    .reduce((script, line) => sh`${script}\n${line}`);
}

/**
 * Splits the script's stdout back into each step's exit status and output. A step with no
 * marker did not finish (the connection dropped, the script was killed): it is absent.
 */
export function parseDirectorScript(stdout: string, nonce: string): Map<string, StepOutput> {
  const results = new Map<string, StepOutput>();
  const marker = new RegExp(`\\n@@${nonce} (\\S+) (\\d+)\\n`, 'g');
  let start = 0;
  for (const match of stdout.matchAll(marker)) {
    results.set(match[1] as string, { exitCode: Number(match[2]), output: stdout.slice(start, match.index) });
    start = match.index + match[0].length;
  }
  return results;
}
