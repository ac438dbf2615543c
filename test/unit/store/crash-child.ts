/**
 * Child process of the crash tests: commits rounds to a store, starts one more, and dies
 * by SIGKILL at the point named on the command line (no cleanup, no close).
 *   node crash-child.js DIR COMMITTED MODE [PARAMS]
 * MODE: before-commit (after recordRoundStart), in-commit (inside the commit transaction,
 * after the checkpoint file is durable), after-commit (the round committed, the next one
 * started), loop (commit rounds until killed from outside; prints "committed N" after each).
 */
import { writeSync } from 'node:fs';
import { openStore } from '../../../server/store/index.js';
import { ManualClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import { entryFor, eventFor, weightsFor } from './fixtures.js';

/** A clock that kills the process the first time it is read once armed. */
class KillingClock extends ManualClock {
  armed = false;

  override now(): number {
    if (this.armed) die('in-commit');
    return super.now();
  }
}

function say(line: string): void {
  writeSync(1, `${line}\n`);
}

function die(where: string): never {
  say(`killed ${where}`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

const [dir, committedArg, mode, paramsArg] = process.argv.slice(2);
if (dir === undefined || committedArg === undefined || mode === undefined) throw new Error('usage: crash-child DIR COMMITTED MODE [PARAMS]');
const committed = Number(committedArg);
const params = Number(paramsArg ?? 1000);
const clock = new KillingClock(1_700_000_000_000);
const store = openStore(dir, { clock, log: silentLogger });
const first = store.lastRound() + 1;

function start(round: number): void {
  store.recordRoundStart({ round, settings: { minNodes: 2 } });
  clock.advance(10);
}

function commit(round: number): void {
  store.commitRound({ round, event: eventFor(round), weights: weightsFor(round, params), ledgerEntry: entryFor(round) });
  say(`committed ${round}`);
}

for (let r = first; r < first + committed; r++) {
  start(r);
  commit(r);
}
const inFlight = first + committed;
switch (mode) {
  case 'before-commit':
    start(inFlight);
    die(mode);
    break;
  case 'in-commit':
    start(inFlight);
    clock.armed = true;
    commit(inFlight);
    throw new Error('the armed clock was never read during the commit');
  case 'after-commit':
    start(inFlight);
    commit(inFlight);
    start(inFlight + 1);
    die(mode);
    break;
  case 'loop':
    for (let r = inFlight; r < inFlight + 10_000; r++) {
      start(r);
      commit(r);
    }
    throw new Error('the parent never killed the loop');
  default:
    throw new Error(`unknown mode ${mode}`);
}
