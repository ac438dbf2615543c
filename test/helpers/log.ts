/** Waiting on log lines (never on time): resolves when a MemoryLogger writes a matching line. */
import type { CapturedLine, MemoryLogger } from '../../shared/logger.js';

type Waiter = { match: (line: CapturedLine) => boolean; resolve: (line: CapturedLine) => void };

const waiting = new WeakMap<CapturedLine[], Set<Waiter>>();

/** Resolve with the first line of `log` (and its children) that matches, already written or still to come. */
export function whenLogged(log: MemoryLogger, match: (line: CapturedLine) => boolean): Promise<CapturedLine> {
  const lines = log.lines;
  const seen = lines.find(match);
  if (seen) return Promise.resolve(seen);
  let waiters = waiting.get(lines);
  if (!waiters) {
    const set = new Set<Waiter>();
    waiters = set;
    waiting.set(lines, set);
    const push = lines.push.bind(lines);
    // Every MemoryLogger child shares this array, so one hook sees all of them.
    lines.push = (...items: CapturedLine[]): number => {
      const n = push(...items);
      for (const item of items) {
        for (const w of [...set]) {
          if (w.match(item)) {
            set.delete(w);
            w.resolve(item);
          }
        }
      }
      return n;
    };
  }
  const set = waiters;
  return new Promise((resolve) => set.add({ match, resolve }));
}
