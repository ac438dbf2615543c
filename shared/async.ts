/** Small async building blocks used by both sides. */

/** A promise with its resolve/reject exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** Create a Deferred. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** An unbounded single-consumer queue exposed as an async iterable; `end` finishes it. */
export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: Deferred<IteratorResult<T>> | undefined;
  private ended = false;
  private failure: unknown;

  /** Queue `item` for the consumer (ignored after `end`). */
  push(item: T): void {
    if (this.ended) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  /** Finish the stream, optionally with an error the consumer will see. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      if (error !== undefined) w.reject(error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.ended) {
          return this.failure !== undefined ? Promise.reject(this.failure) : Promise.resolve({ value: undefined, done: true });
        }
        this.waiter = deferred<IteratorResult<T>>();
        return this.waiter.promise;
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** A counting semaphore over reusable resources (e.g. preallocated buffers). */
export class Pool<T> {
  private readonly free: T[];
  /** Each waiter takes its item and drops its abort listener. */
  private readonly waiters: { take(item: T): void }[] = [];

  constructor(items: T[]) {
    this.free = [...items];
  }

  /** Resources free right now. */
  get available(): number {
    return this.free.length;
  }

  /** Take a resource, waiting for one to be released if none is free. */
  acquire(signal?: AbortSignal): Promise<T> {
    // An 'abort' listener added after the fact never fires: refuse now rather than wait forever.
    if (signal?.aborted) return Promise.reject(signal.reason);
    const item = this.free.pop();
    if (item !== undefined) return Promise.resolve(item);
    const d = deferred<T>();
    const onAbort = (): void => {
      const i = this.waiters.indexOf(waiter);
      if (i >= 0) {
        this.waiters.splice(i, 1);
        d.reject(signal?.reason);
      }
    };
    // A long-lived signal (one per connection) must not collect a listener per wait.
    const waiter = {
      take(granted: T): void {
        signal?.removeEventListener('abort', onAbort);
        d.resolve(granted);
      },
    };
    this.waiters.push(waiter);
    signal?.addEventListener('abort', onAbort, { once: true });
    return d.promise;
  }

  /** Give a resource back, handing it to the oldest waiter if any. */
  release(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.take(item);
    else this.free.push(item);
  }
}
