// Reader for `ipvsadm/errors.txt`: '==> id' / '$ command' / 'exit=N' / '--- stderr' / lines / '<== end'.

export interface IpvsadmErrorCase {
  id: string;
  /** The command as written after `$ `, split on spaces (the catalogue has no quoting). */
  argv: string[];
  exitCode: number;
  /** Exact stderr: each line followed by "\n" (empty when nothing is printed). */
  stderr: string;
}

export function parseErrorCatalogue(text: string): IpvsadmErrorCase[] {
  const cases: IpvsadmErrorCase[] = [];
  let current: (Omit<IpvsadmErrorCase, 'stderr'> & { lines: string[]; inStderr: boolean }) | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('==> ')) {
      current = { id: line.slice(4), argv: [], exitCode: -1, lines: [], inStderr: false };
    } else if (!current) {
      if (line !== '' && !line.startsWith('#')) throw new Error(`errors.txt: stray line ${JSON.stringify(line)}`);
    } else if (line === '<== end') {
      const { lines, inStderr: _, ...rest } = current;
      cases.push({ ...rest, stderr: lines.map((l) => `${l}\n`).join('') });
      current = undefined;
    } else if (current.inStderr) {
      current.lines.push(line);
    } else if (line.startsWith('$ ')) {
      current.argv = line.slice(2).split(' ');
    } else if (line.startsWith('exit=')) {
      current.exitCode = Number(line.slice(5));
    } else if (line === '--- stderr') {
      current.inStderr = true;
    } else {
      throw new Error(`errors.txt: unexpected line ${JSON.stringify(line)} in ${current.id}`);
    }
  }
  if (current) throw new Error(`errors.txt: case ${current.id} is not closed`);
  return cases;
}
