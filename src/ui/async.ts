// Two small promise tools the TTY tree needs: events arrive over time, listr2 tasks await them.

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

/** A promise with its resolver outside; resolving twice keeps the first value. */
export function defer<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export interface Queue<T> {
  push(item: T): void;
  /** The next item, or null once the queue has ended and is empty. */
  next(): Promise<T | null>;
  end(): void;
}

/** An unbounded FIFO whose consumer awaits items that are pushed later. */
export function createQueue<T>(): Queue<T> {
  const items: T[] = [];
  const waiting: ((item: T | null) => void)[] = [];
  let ended = false;
  return {
    push(item) {
      const taker = waiting.shift();
      if (taker) taker(item);
      else items.push(item);
    },
    next() {
      if (items.length > 0) return Promise.resolve(items.shift() as T);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => waiting.push(resolve));
    },
    end() {
      ended = true;
      for (const taker of waiting.splice(0)) taker(null);
    },
  };
}
