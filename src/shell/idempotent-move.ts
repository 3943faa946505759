// Moving a file aside and back (the health-file drain) so that a repeat after a lost connection
// succeeds: built by the one script builder, every path one quoted word.
import { sh, type ShellScript } from './script.ts';

/** A relative path starting with `-` written `./-…`, so `[`/`mv` never read it as an option. */
const asOperand = (path: string) => (path.startsWith('-') ? `./${path}` : path);

/** `from` → `to` with `mv -f`; already at `to`: nothing to do; neither there: exit 1, naming both on stderr. */
export function idempotentMoveScript(from: string, to: string): ShellScript {
  const [a, b] = [asOperand(from), asOperand(to)];
  return sh`if [ -e ${a} ]; then mv -f -- ${a} ${b}; elif [ -e ${b} ]; then :; else printf 'neither %s nor %s exists\\n' ${a} ${b} >&2; exit 1; fi`;
}
