// The transport contract: how the engine runs commands and uploads files on a host.
// Expected outcomes (non-zero exit, timeout, abort, lost connection) are values, never throws.
import type { Duplex } from 'node:stream';
import type { ReleaseError } from '../core/errors.ts';

/** Where to connect. `name` is the display name (unique in a run); `host` is what to dial. */
export interface HostTarget {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
}

interface CommandBase {
  /** Does it change the host? Dry run executes only `mutates: false` commands. */
  readonly mutates: boolean;
  /** Run as root through `sudo -n` (never prompts). */
  readonly sudo?: boolean;
  /** Kill the remote command after this long; the result says `timedOut: true`. */
  readonly timeoutMs?: number;
  /** Sent to the command's standard input, then EOF. Never shown. */
  readonly stdin?: string | Buffer;
  /** A short human name for logs ("drain web1 on lvs1"). */
  readonly label?: string;
}

/**
 * A command for a remote POSIX shell. `argv` is joined with `shellJoin` (each word quoted);
 * `script` is sent as is: it was rendered by the template renderer, which quoted every value.
 */
export type RemoteCommand = CommandBase & ({ readonly argv: readonly string[] } | { readonly script: string });

/** One shape for success and failure, like execa's. */
export interface ExecResult {
  readonly host: string;
  /** What ran, as a display string (sudo prefix included, stdin not). */
  readonly command: string;
  /** exitCode 0 and none of timedOut / aborted / connectionLost. */
  readonly ok: boolean;
  /** null when the command did not report an exit status (killed, lost, never started). */
  readonly exitCode: number | null;
  /** The signal that ended the remote command, Node-style ("SIGKILL"), if the server said so. */
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  /**
   * The connection dropped before the outcome was known: the command may or may not have run.
   * The engine decides what to do (check, then retry after `reconnect()`); nothing retries here.
   */
  readonly connectionLost: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  /** Why it did not run or finish, for people. Never holds keys or passphrases. */
  readonly error?: string;
  /** Set by the dry-run decorator: the command was reported, not run. */
  readonly dryRun?: true;
}

export interface ExecOptions {
  readonly signal?: AbortSignal;
}

export interface UploadRequest {
  readonly localPath: string;
  /** Final path. Bytes go to `remotePath + '.part'`, which is renamed when complete. */
  readonly remotePath: string;
  /** File mode set on the remote file before the rename (e.g. 0o644). */
  readonly mode?: number;
  readonly onProgress?: (sent: number, total: number) => void;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface UploadResult {
  readonly host: string;
  readonly localPath: string;
  readonly remotePath: string;
  readonly ok: boolean;
  /** Bytes sent (the file size when ok). */
  readonly bytes: number;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly connectionLost: boolean;
  readonly error?: string;
  readonly dryRun?: true;
}

/** A TCP channel through the host's SSH connection to `host:port` as the host sees it, or why not. */
export type ForwardResult =
  | {
      readonly ok: true;
      /** The connection's bytes; ending or destroying it closes the channel (and frees its slot). */
      readonly stream: Duplex;
    }
  | {
      readonly ok: false;
      /** For people: refused by the server (AllowTcpForwarding no, nothing listening), lost... */
      readonly error: string;
      readonly connectionLost: boolean;
    };

/** One connection to one host, held for the whole run. */
export interface HostSession {
  readonly target: HostTarget;
  /** False after the connection dropped (until `reconnect()`) or after `close()`. */
  readonly connected: boolean;
  exec(command: RemoteCommand, options?: ExecOptions): Promise<ExecResult>;
  upload(request: UploadRequest): Promise<UploadResult>;
  /**
   * Opens a TCP connection from the host to `host:port` over this session's SSH connection (a
   * `direct-tcpip` channel: no new SSH connection), e.g. a smoke check of a server this machine
   * cannot reach. Reads nothing and changes nothing on the host by itself.
   */
  forward(host: string, port: number, options?: ExecOptions): Promise<ForwardResult>;
  /** Opens a fresh connection after a loss. Throws ReleaseError like `connect`. Never automatic. */
  reconnect(options?: { signal?: AbortSignal }): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** How many connections may be in set-up at once. */
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  /** Called as each host finishes connecting (for progress output). */
  readonly onResult?: (target: HostTarget, error: ReleaseError | undefined) => void;
}

/** Every host gets a session or a failure: the caller decides whether a partial set will do. */
export interface OpenResult {
  readonly sessions: Map<string, HostSession>;
  readonly failures: Map<string, ReleaseError>;
}

/**
 * Opens sessions. `connect` throws a ReleaseError (HOST_KEY_UNKNOWN, HOST_KEY_CHANGED,
 * SSH_CONNECT_FAILED, CONFIG_INVALID, INTERRUPTED); `open` turns those into values per host.
 * `close` ends what the transport shares between sessions (the jump host connection);
 * close the sessions themselves first.
 */
export interface Transport {
  connect(target: HostTarget, options?: { signal?: AbortSignal }): Promise<HostSession>;
  open(targets: readonly HostTarget[], options: OpenOptions): Promise<OpenResult>;
  close(): Promise<void>;
}
