// A live ssh2 connection and the news of its loss, shared by the exec and upload code.
import type { Client } from 'ssh2';

export interface Connection {
  readonly client: Client;
  /** True once the connection dropped or was closed. */
  readonly lost: boolean;
  /** Calls back once when this connection ends; returns the unsubscribe. */
  onLost(callback: () => void): () => void;
  /** Declares the connection lost now (ssh2 said "Not connected" before emitting 'close'). */
  markLost(): void;
}

/** ssh2 throws this as soon as its socket stops being writable, before it emits 'close'. */
export function isNotConnected(error: unknown): boolean {
  return error instanceof Error && error.message === 'Not connected';
}

/** Watches a ready Client: its 'close' is the loss every pending operation must hear about. */
export function watchConnection(client: Client): Connection {
  let lost = false;
  const listeners = new Set<() => void>();
  const lose = () => {
    if (lost) return;
    lost = true;
    for (const listener of [...listeners]) listener();
    listeners.clear();
  };
  client.on('close', lose);
  return {
    client,
    get lost() {
      return lost;
    },
    onLost(callback) {
      if (lost) {
        queueMicrotask(callback);
        return () => {};
      }
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    markLost() {
      lose();
      client.destroy();
    },
  };
}
