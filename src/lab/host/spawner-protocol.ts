// The messages between the lab and its spawner process (spawner-child.ts), over Node IPC with
// `serialization: 'advanced'`, so Buffers travel as Buffers. Kept free of imports: the spawner
// loads it, and its memory is what each fork copies.

/** The lab's side: start a shell, feed its stdin, hand back output credit, give up its output. */
export type ToSpawner =
  | { t: 'spawn'; id: number; args: string[]; cwd: string; env: Record<string, string> }
  | { t: 'stdin'; id: number; data: Buffer }
  | { t: 'stdin-end'; id: number }
  | { t: 'credit'; id: number; fd: OutputFd; bytes: number }
  | { t: 'discard'; id: number };

/** The spawner's side: it is up, a shell started (its pid), output, stdin credit, the end. */
export type FromSpawner =
  | { t: 'ready' }
  | { t: 'spawned'; id: number; pid: number }
  | { t: 'output'; id: number; fd: OutputFd; data: Buffer }
  | { t: 'stdin-credit'; id: number; bytes: number }
  | { t: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { t: 'error'; id: number; message: string };

export type OutputFd = 1 | 2;

// Flow control, per stream and direction: a sender stops reading its source once WINDOW_BYTES are
// sent and not yet credited; a receiver credits what it has passed on, in lumps of CREDIT_BYTES
// (at most the window, or a paused sender would wait for a credit that never comes).
export const WINDOW_BYTES = 256 * 1024;
export const CREDIT_BYTES = 64 * 1024;
