// The part of popt's `poptGetNextOpt` that ipvsadm relies on: short clusters (`-Lnc`),
// attached (`-t10.0.0.1:80`, `--weight=5`) or separate arguments, optional arguments that
// refuse a next word starting with `-`, `--` and leftovers collected anywhere.

export type ArgKind = 'none' | 'required' | 'optional';

export interface PoptOption<Tag extends string> {
  long?: string;
  short?: string;
  arg: ArgKind;
  tag: Tag;
}

export type PoptError = 'BADOPT' | 'NOARG' | 'UNWANTEDARG';

export type PoptNext<Tag extends string> =
  | { kind: 'option'; tag: Tag; arg: string | undefined }
  | { kind: 'end' }
  | { kind: 'error'; error: PoptError; badOption: string };

/** `poptStrerror` of the errors this emulation produces. */
export const POPT_STRERROR: Record<PoptError, string> = {
  BADOPT: 'unknown option',
  NOARG: 'missing argument',
  UNWANTEDARG: 'option does not take an argument',
};

export interface PoptContext<Tag extends string> {
  next(): PoptNext<Tag>;
  /** Non-option words, in order (popt's leftovers, read with `poptGetArg`). */
  leftovers(): string[];
  /** The last argv word consumed (`poptBadOption`): the option's word, or its separate argument. */
  lastWord(): string;
}

/** A popt context over `argv` (program name excluded) and an option table. */
export function createPopt<Tag extends string>(argv: readonly string[], table: readonly PoptOption<Tag>[]): PoptContext<Tag> {
  let index = 0;
  let cluster: string | undefined;
  let restAreLeftovers = false;
  const leftovers: string[] = [];

  const takeArg = (option: PoptOption<Tag>): { arg: string | undefined } | undefined => {
    if (cluster) {
      const arg = cluster;
      cluster = undefined;
      return { arg };
    }
    const nextWord = argv[index];
    if (nextWord === undefined) return option.arg === 'optional' ? { arg: undefined } : undefined;
    if (option.arg === 'optional' && nextWord.startsWith('-')) return { arg: undefined };
    index++;
    return { arg: nextWord };
  };

  const lastWord = () => argv[index - 1] ?? '';
  const found = (option: PoptOption<Tag>, inline: string | undefined): PoptNext<Tag> => {
    if (option.arg === 'none') {
      return inline === undefined ? { kind: 'option', tag: option.tag, arg: undefined } : { kind: 'error', error: 'UNWANTEDARG', badOption: lastWord() };
    }
    if (inline !== undefined) return { kind: 'option', tag: option.tag, arg: inline };
    const taken = takeArg(option);
    return taken ? { kind: 'option', tag: option.tag, arg: taken.arg } : { kind: 'error', error: 'NOARG', badOption: lastWord() };
  };

  const next = (): PoptNext<Tag> => {
    for (;;) {
      if (cluster) {
        const ch = cluster[0] ?? '';
        cluster = cluster.length > 1 ? cluster.slice(1) : undefined;
        const option = table.find((o) => o.short === ch);
        if (!option) return { kind: 'error', error: 'BADOPT', badOption: lastWord() };
        return found(option, undefined);
      }
      const word = argv[index];
      if (word === undefined) return { kind: 'end' };
      index++;
      if (restAreLeftovers || !word.startsWith('-') || word === '-') {
        leftovers.push(word);
        continue;
      }
      if (word === '--') {
        restAreLeftovers = true;
        continue;
      }
      if (word.startsWith('--')) {
        const eq = word.indexOf('=');
        const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
        const option = table.find((o) => o.long === name);
        if (!option) return { kind: 'error', error: 'BADOPT', badOption: word };
        return found(option, eq < 0 ? undefined : word.slice(eq + 1));
      }
      cluster = word.slice(1);
    }
  };

  return { next, leftovers: () => [...leftovers], lastWord };
}
