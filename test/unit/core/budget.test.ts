/**
 * The budget as an operator could try to get around it: restarting with other flags,
 * resuming detached launches that a new launch would be refused, changing it silently; and
 * what a launch is told and charged: only the rounds the budget affords, no round numbers
 * for refused rounds, every release in the ledger.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../../shared/clock.js';
import { epsilonRdp } from '../../../shared/dp/rdp.js';
import { MemoryLogger } from '../../../shared/logger.js';
import { SeededRandom } from '../../../shared/random.js';
import { Coordinator } from '../../../server/core/coordinator.js';
import { type JournalLaunch, MemoryJournal } from '../../../server/core/journal.js';
import { type BudgetRecord, type PrivacyBudget, privateRounds, type RoundRecord } from '../../../server/core/privacy.js';
import { autoAnswer, collect, DEFAULTS, deltaFor, FakeSession, finals, type Harness, initialWeights, SPEC } from './fakes.js';
import { coded } from '../../helpers/errors.js';

/** A coordinator on `journal` (a restart is a new coordinator on the same journal). */
function start(journal: MemoryJournal, budget: PrivacyBudget | undefined, resume?: { nextRound: number; launches: JournalLaunch[] }): { coordinator: Coordinator; log: MemoryLogger } {
  const log = new MemoryLogger();
  const coordinator = new Coordinator({
    model: SPEC,
    initialWeights: initialWeights(),
    defaults: { ...DEFAULTS, minNodes: 1 },
    clock: new ManualClock(1_000),
    samplingRng: new SeededRandom(1),
    seedRng: new SeededRandom(2),
    log,
    uploadSlots: 2,
    journal,
    ...(budget ? { privacy: { budget } } : {}),
    ...(resume ? { resume } : {}),
  });
  return { coordinator, log };
}

/** A node that answers every task at once with a small update. */
class FakeNode {
  /** Called when the node is asked to train, before it answers. */
  onTrain: ((round: number) => void) | undefined;
  readonly errors: unknown[] = [];

  constructor(coordinator: Coordinator, name: string) {
    const session = new FakeSession(name);
    coordinator.attach(session);
    autoAnswer({ coordinator, errors: this.errors } as unknown as Harness, session, {
      train: (b) => {
        this.onTrain?.(b.task.round);
        return { delta: deltaFor(1).map((x) => x / 100), examples: 1 };
      },
      evaluate: () => ({ numExamples: 10, accuracy: 0.5, loss: 1 }),
    });
  }
}

const SIGMA = 4;
const one = epsilonRdp({ q: 1, sigma: SIGMA, steps: 1, delta: 1e-5 }).epsilon;
const two = epsilonRdp({ q: 1, sigma: SIGMA, steps: 2, delta: 1e-5 }).epsilon;
const three = epsilonRdp({ q: 1, sigma: SIGMA, steps: 3, delta: 1e-5 }).epsilon;

describe('privacy budget: bound to the ledger, changed only by an audited act', function () {
  it('records the budget at first start and refuses a restart with a larger one, none, or another δ', async function () {
    const journal = new MemoryJournal();
    await start(journal, { epsilon: 5, delta: 1e-5 }).coordinator.close();
    const budgets = journal.ledger.entries().filter((e): e is BudgetRecord => e.kind === 'budget');
    assert.deepEqual(budgets.map((b) => [b.epsilon, b.delta, b.operator, b.reason]), [[5, 1e-5, undefined, 'set when the coordinator first started on this data dir']]);
    for (const [budget, said] of [
      [{ epsilon: 10, delta: 1e-5 }, /started with ε = 10, δ = 0\.00001/],
      [undefined, /started with no budget, δ = 0\.00001/],
      [{ epsilon: 5, delta: 1e-6 }, /started with ε = 5, δ = 0\.000001/],
      [{ epsilon: 4, delta: 1e-5 }, /started with ε = 4/],
    ] as const) {
      assert.throws(() => start(journal, budget), coded('invalid_argument', said));
    }
    const same = start(journal, { epsilon: 5, delta: 1e-5 });
    assert.deepEqual(same.coordinator.accountant.budget, { epsilon: 5, delta: 1e-5 });
    await same.coordinator.close();
    assert.equal(journal.ledger.entries().length, 1, 'a restart with the same budget records nothing new');
  });

  it('a coordinator that started without a budget is bound to "no budget" too', async function () {
    const journal = new MemoryJournal();
    await start(journal, undefined).coordinator.close();
    assert.throws(() => start(journal, { epsilon: 8, delta: 1e-5 }), coded('invalid_argument', /privacy budget is no budget, δ = 0\.00001/));
  });

  it('changes the budget only with an operator and a reason, recorded in the ledger before it applies', async function () {
    const journal = new MemoryJournal();
    const { coordinator, log } = start(journal, { epsilon: 5, delta: 1e-5 });
    assert.throws(() => coordinator.setBudget({ epsilon: 6, operator: 'alice', reason: '  ' }), coded('invalid_argument', /needs a reason/));
    assert.throws(() => coordinator.setBudget({ epsilon: 6, operator: 'alice', reason: 'x\u001b[2J' }), coded('invalid_argument', /control characters/));
    assert.throws(() => coordinator.setBudget({ epsilon: -1, operator: 'alice', reason: 'r' }), coded('invalid_argument', /--epsilon-budget must be a positive number/));
    const record = coordinator.setBudget({ epsilon: 6, operator: 'alice', reason: ' ethics board ' });
    assert.deepEqual(record, { kind: 'budget', time: 1_000, epsilon: 6, delta: 1e-5, operator: 'alice', reason: 'ethics board' });
    assert.deepEqual(coordinator.accountant.budget, { epsilon: 6, delta: 1e-5 });
    assert.deepEqual(journal.ledger.entries().at(-1), record);
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.msg === 'privacy budget changed by an operator' && l.fields.operator === 'alice'));
    coordinator.setBudget({ epsilon: undefined, operator: 'alice', reason: 'study closed' });
    assert.deepEqual(coordinator.accountant.budget, { epsilon: undefined, delta: 1e-5 });
    await coordinator.close();
    // The restart must now match what the ledger says last.
    assert.throws(() => start(journal, { epsilon: 6, delta: 1e-5 }), coded('invalid_argument', /privacy budget is no budget, δ = 0\.00001 \(set by alice/));
    await start(journal, undefined).coordinator.close();
  });

  it('resumes a detached launch only if a new launch with its settings would be accepted (attack: a non-private launch queued before the budget)', async function () {
    const journal = new MemoryJournal();
    const closed: number[] = [];
    journal.launchClosed = (id) => void closed.push(id);
    const launches: JournalLaunch[] = [
      { id: 1, firstRound: 1, rounds: 3, done: 1, settings: { noiseMultiplier: 0 } },
      { id: 2, firstRound: 4, rounds: 2, done: 0, settings: { minNodes: 0 } },
      { id: 3, firstRound: 6, rounds: 5, done: 0, settings: { noiseMultiplier: SIGMA } },
    ];
    const { coordinator, log } = start(journal, { epsilon: (two + three) / 2, delta: 1e-5 }, { nextRound: 9, launches });
    const status = coordinator.status();
    // Launch 1 would release rounds without noise under a budget; launch 2 has invalid settings;
    // launch 3 is cut to the 2 rounds the budget affords: one started (waiting for nodes), one queued.
    assert.equal(status.current?.round, 9);
    assert.equal(status.queuedRounds, 1);
    const refusedToResume = log.lines.filter((l) => l.msg.startsWith('not resuming rounds queued before the restart'));
    assert.deepEqual(refusedToResume.map((l) => [l.fields.launch, /every round must be private|min-nodes/.test(String(l.fields.err))]), [
      [1, true],
      [2, true],
    ]);
    assert.ok(log.lines.some((l) => l.msg === 'resuming rounds queued before the restart' && l.fields.launch === 3 && l.fields.rounds === 2 && l.fields.refused === 3));
    await coordinator.close();
    assert.deepEqual(closed.slice(0, 2), [1, 2]);
  });
});

describe('launches under a budget: told before round 1, charged only what runs', function () {
  it('queues only the rounds the budget affords, says so at launch, and refused rounds take no round numbers', async function () {
    const journal = new MemoryJournal();
    const { coordinator } = start(journal, { epsilon: (two + three) / 2, delta: 1e-5 });
    new FakeNode(coordinator, 'a');
    const handle = coordinator.launch({ rounds: 10, settings: { noiseMultiplier: SIGMA } });
    assert.deepEqual(handle.plan, { requested: 10, affordable: 2, budgetEpsilon: (two + three) / 2, spent: 0, epsilonAfter: two });
    assert.equal(handle.rounds, 2);
    assert.equal(handle.firstRound, 1);
    const events = finals(await collect(handle.events));
    assert.deepEqual(events.map((e) => [e.round, e.state, e.index, e.of]), [
      [1, 'completed', 1, 2],
      [2, 'completed', 2, 2],
    ]);
    assert.deepEqual(privateRounds(journal.ledger.entries()).map((r) => [r.round, r.epsilonAfter]), [
      [1, one],
      [2, two],
    ]);
    // Nothing left: the launch is refused at once, naming budget, spent and would-be total.
    assert.throws(() => coordinator.launch({ rounds: 1, settings: { noiseMultiplier: SIGMA } }), coded('budget_exhausted', /budget ε = .* spent .* would bring it to/));
    // An operator raises the budget; the next round is round 3: no number went to a refused round.
    coordinator.setBudget({ epsilon: 100, operator: 'alice', reason: 'more rounds approved' });
    const next = coordinator.launch({ rounds: 1, settings: { noiseMultiplier: SIGMA } });
    assert.equal(next.firstRound, 3);
    assert.deepEqual(finals(await collect(next.events)).map((e) => [e.round, e.state]), [[3, 'completed']]);
    await coordinator.close();
  });

  it('refuses the rest of a launch in one event, without round numbers, when the budget is lowered under it', async function () {
    const journal = new MemoryJournal();
    const closed: number[] = [];
    journal.launchClosed = (id) => void closed.push(id);
    const { coordinator } = start(journal, { epsilon: 100, delta: 1e-5 });
    const node = new FakeNode(coordinator, 'a');
    node.onTrain = (round) => {
      if (round === 2) coordinator.setBudget({ epsilon: two * 1.01, operator: 'alice', reason: 'the ethics board lowered it' });
    };
    const handle = coordinator.launch({ rounds: 6, settings: { noiseMultiplier: SIGMA } });
    const events = finals(await collect(handle.events));
    assert.deepEqual(events.map((e) => [e.round, e.state, e.index]), [
      [1, 'completed', 1],
      [2, 'completed', 2],
      [3, 'refused', 3],
    ]);
    assert.match(events[2]?.reason ?? '', /^the last 4 rounds of this launch were refused \(no round number used\): privacy budget exceeded/);
    assert.equal(closed.length, 1, 'the launch is closed: it does not come back after a restart');
    coordinator.setBudget({ epsilon: 100, operator: 'alice', reason: 'raised again' });
    const after = coordinator.launch({ rounds: 1, settings: { noiseMultiplier: SIGMA } });
    assert.equal(after.firstRound, 3);
    assert.deepEqual(finals(await collect(after.events)).map((e) => e.round), [3]);
    await coordinator.close();
  });

  it('records every released model in the ledger, a release without noise as such', async function () {
    const journal = new MemoryJournal();
    const { coordinator } = start(journal, undefined);
    new FakeNode(coordinator, 'a');
    await collect(coordinator.launch({ rounds: 1, settings: {} }).events);
    await collect(coordinator.launch({ rounds: 1, settings: { noiseMultiplier: SIGMA, noise: 'central' } }).events);
    const rounds = journal.ledger.entries().filter((e): e is RoundRecord => e.kind === 'round');
    assert.deepEqual(
      rounds.map((r) => [r.round, r.noise, r.noiseMultiplier, r.epsilonAfter, r.secureAggregation]),
      [
        [1, 'none', 0, undefined, false],
        [2, 'central', SIGMA, one, false],
      ],
    );
    assert.equal(rounds[1]?.epsilonUnamplifiedAfter, one, 'q = 1: both figures agree');
    await coordinator.close();
  });
});
