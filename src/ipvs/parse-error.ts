// What every ipvs parser throws on text it cannot read: which line, what it said, and why.
// Drivers wrap it in a ReleaseError naming the director; the lab treats it as a bug.

export class IpvsParseError extends Error {
  /** 1-based line number in the parsed text (0 when the text as a whole is wrong). */
  readonly line: number;
  /** The offending line, verbatim. */
  readonly text: string;
  /** Why it could not be read, in one phrase. */
  readonly reason: string;

  constructor(what: string, line: number, text: string, reason: string) {
    super(`cannot parse ${what}, line ${line}: ${reason}: ${JSON.stringify(text)}`);
    this.name = 'IpvsParseError';
    this.line = line;
    this.text = text;
    this.reason = reason;
  }
}

export function isIpvsParseError(error: unknown): error is IpvsParseError {
  return error instanceof IpvsParseError;
}

/** Thrown by line-level helpers; the parser's loop turns it into an IpvsParseError with the line. */
export class LineReject extends Error {}

export function reject(reason: string): never {
  throw new LineReject(reason);
}

/** Run `read` over each line, turning a LineReject into an IpvsParseError naming that line. */
export function atLine<T>(what: string, index: number, line: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof LineReject) throw new IpvsParseError(what, index + 1, line, error.message);
    throw error;
  }
}
