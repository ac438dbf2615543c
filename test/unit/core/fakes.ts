/** Test doubles for the coordinator core: sessions that record broadcasts, and drivers that answer them. */
import assert from 'node:assert/strict';
import { type Deferred, deferred } from '../../../shared/async.js';
import { ManualClock } from '../../../shared/clock.js';
import { MemoryLogger } from '../../../shared/logger.js';
import { builtinModel, type FederatedModel } from '../../../shared/model/model.js';
import { type RandomSource, SeededRandom } from '../../../shared/random.js';
import type { ServerMessage } from '../../../shared/secagg/messages.js';
import { decodeTensor } from '../../../shared/tensor/codec.js';
import { Coordinator, DEFAULT_ROUND_SETTINGS, type Resume } from '../../../server/core/coordinator.js';
import type { EvaluationReport, UpdateHeader } from '../../../server/core/stages.js';
import type { NodeCapabilities, NodeSession, RoundEvent, RoundSettings, TaskDescriptor } from '../../../server/core/types.js';
import { MemoryJournal, type RoundJournal } from '../../../server/core/journal.js';
import { addToSums, type SumOffload } from '../../../server/core/aggregators.js';

/** FedAvg additions made on this thread when asked, reported done a microtask later. */
export const inlineSums: SumOffload = {
  add(job) {
    addToSums(job.sums, job.capped, job.update, job.weight);
    return Promise.resolve();
  },
  sums: (values) => new Float64Array(new SharedArrayBuffer(values * 8)),
  giveBack: () => undefined,
};

/** A node that can do everything a round may ask. */
export const ALL_CAPABILITIES: NodeCapabilities = { modelKinds: ['logreg', 'mlp'], secureAggregation: true, privacy: true };

/** logreg 4 → 3: 15 parameters. */
export const SPEC: FederatedModel = builtinModel({ kind: 'logreg', features: 4, classes: 3, hidden: 0 });
/** Number of parameters of SPEC. */
export const D = 15;
/** What a fake session received: one task (weights are fetched by version, see `weightsOf`). */
export interface Broadcast {
  readonly task: TaskDescriptor;
}

/** Coordinator defaults used by every test unless overridden. */
export const DEFAULTS: RoundSettings = {
  ...DEFAULT_ROUND_SETTINGS,
  minNodes: 1,
  sampleRate: 1,
  train: { epochs: 1, batchSize: 8, learningRate: 0.1 },
  trainTimeoutMs: 10_000,
  evalTimeoutMs: 5_000,
  waitForNodesMs: 1_000,
  // Exact FedAvg with any example counts; the share cap has tests of its own.
  maxWeightShare: 1,
};

/** Dyadic starting weights: sums and means of dyadic deltas stay exact in float32. */
export function initialWeights(): Float32Array {
  return Float32Array.from({ length: D }, (_, i) => (i - 7) / 4);
}

/** A dyadic delta that differs per `k`. */
export function deltaFor(k: number): Float32Array {
  return Float32Array.from({ length: D }, (_, i) => (((i * (k + 2)) % 9) - 4) / 8);
}

/** `global + Σ n_i Δ_i / Σ n_i`, computed naively in float64. */
export function fedAvg(global: Float32Array, updates: ReadonlyArray<{ delta: Float32Array; examples: number }>): Float32Array {
  const total = updates.reduce((n, u) => n + u.examples, 0);
  return Float32Array.from(global, (g, i) => g + updates.reduce((s, u) => s + u.examples * (u.delta[i] as number), 0) / total);
}

let sessionIds = 0;

/** A NodeSession that records what the coordinator sends it. */
export class FakeSession implements NodeSession {
  readonly id = ++sessionIds;
  readonly certificatePem = '';
  readonly sent: Broadcast[] = [];
  readonly secagg: Array<{ round: number; message: ServerMessage }> = [];
  readonly cancels: Array<{ round: number; reason: string }> = [];
  closedWith: string | undefined;
  /** When set, `send` rejects with it (an unreachable node). */
  failSends: Error | undefined;
  /** Called after each recorded send (used by `autoAnswer`). */
  onSend: ((b: Broadcast) => void) | undefined;
  private read = 0;
  private waiter: Deferred<Broadcast> | undefined;

  constructor(
    readonly name: string,
    readonly capabilities: NodeCapabilities = ALL_CAPABILITIES,
  ) {}

  send(task: TaskDescriptor): Promise<void> {
    if (this.closedWith !== undefined) return Promise.reject(new Error(`session closed: ${this.closedWith}`));
    if (this.failSends) return Promise.reject(this.failSends);
    const b: Broadcast = { task };
    this.sent.push(b);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      this.read += 1;
      w.resolve(b);
    }
    this.onSend?.(b);
    return Promise.resolve();
  }

  /** The next broadcast not yet read by the test, waiting for it if needed. */
  next(): Promise<Broadcast> {
    const b = this.sent[this.read];
    if (b) {
      this.read += 1;
      return Promise.resolve(b);
    }
    this.waiter = deferred<Broadcast>();
    return this.waiter.promise;
  }

  cancel(round: number, reason: string): void {
    this.cancels.push({ round, reason });
  }

  sendSecAgg(round: number, message: ServerMessage): void {
    this.secagg.push({ round, message });
  }

  close(reason: string): void {
    this.closedWith ??= reason;
  }
}

/** A coordinator on a manual clock, with helpers to attach fake nodes. */
export interface Harness {
  readonly coordinator: Coordinator;
  readonly clock: ManualClock;
  readonly log: MemoryLogger;
  readonly journal: RoundJournal;
  /** Errors thrown while auto-answering; a test asserts this stays empty. */
  readonly errors: unknown[];
  /** Attach a new session named `name` (able to do everything unless told). */
  connect(name: string, capabilities?: NodeCapabilities): FakeSession;
}

/** Options of `harness`. */
export interface HarnessOptions {
  readonly defaults?: Partial<RoundSettings>;
  readonly samplingRng?: RandomSource;
  readonly uploadSlots?: number;
  /** Default: `inlineSums`. */
  readonly sumOffload?: SumOffload;
  readonly initialWeights?: Float32Array;
  /** A restart: what the data dir held. */
  readonly resume?: Resume;
  readonly journal?: RoundJournal;
}

/** Build a coordinator over SPEC with `initialWeights()`. */
export function harness(opts: HarnessOptions = {}): Harness {
  const clock = new ManualClock(0);
  const log = new MemoryLogger();
  const journal = opts.journal ?? new MemoryJournal();
  const coordinator = new Coordinator({
    journal,
    model: SPEC,
    initialWeights: opts.initialWeights ?? initialWeights(),
    defaults: { ...DEFAULTS, ...opts.defaults },
    clock,
    samplingRng: opts.samplingRng ?? new SeededRandom(1),
    seedRng: new SeededRandom(2),
    log,
    uploadSlots: opts.uploadSlots ?? 4,
    // Additions on this thread, answered a microtask later: the buffer comes back asynchronously
    // as with the real thread, but deterministically.
    sumOffload: opts.sumOffload ?? inlineSums,
    ...(opts.resume ? { resume: opts.resume } : {}),
    ...(opts.journal ? { journal: opts.journal } : {}),
  });
  return {
    coordinator,
    clock,
    log,
    journal,
    errors: [],
    connect(name, capabilities) {
      const s = new FakeSession(name, capabilities);
      coordinator.attach(s);
      return s;
    },
  };
}

/** A source whose `nextFloat` returns `draws` in turn (for choosing who Poisson sampling selects). */
export function scriptedRandom(draws: readonly number[]): RandomSource {
  let k = 0;
  return {
    nextFloat: () => {
      const x = draws[k++ % draws.length];
      assert.ok(x !== undefined);
      return x;
    },
    nextInt: (n) => k++ % n,
    fillBytes: () => assert.fail('fillBytes is not scripted'),
  };
}

/** The weights a broadcast's task names, fetched whole from the coordinator as a node with no model would (must still be current). */
export function weightsOf(b: Broadcast, h: Harness): Float32Array {
  const t = h.coordinator.modelTransfer(b.task.modelVersion, undefined);
  assert.equal(t.encoding, 'f32');
  return decodeTensor(t.payload, new Float32Array(t.numParameters), 'f32');
}

/** A well-formed update header for `delta`, with `over` replacing fields. */
export function header(round: number, delta: Float32Array, examples: number, over: Partial<UpdateHeader> = {}): UpdateHeader {
  return { round, numExamples: examples, numParameters: delta.length, trainLoss: 0.5, masked: false, withinClip: false, encoding: 'f32', ...over };
}

/** `delta`'s bytes in pieces of `pieceBytes` (how a socket might deliver them). */
export function pieces(delta: Float32Array, pieceBytes = 12): Uint8Array[] {
  const bytes = new Uint8Array(delta.buffer, delta.byteOffset, delta.byteLength);
  const out: Uint8Array[] = [];
  for (let off = 0; off < bytes.length; off += pieceBytes) out.push(bytes.subarray(off, Math.min(bytes.length, off + pieceBytes)));
  return out;
}

/** Upload `delta` as `name` the way the transport would: open, its bytes in pieces, finish. */
export async function upload(h: Harness, name: string, round: number, delta: Float32Array, examples: number): Promise<void> {
  const opening = h.coordinator.openUpdate(name, header(round, delta, examples), new AbortController().signal);
  if ((await state(opening)) === 'pending') assert.fail(`${name}: the upload could not start (no free buffer?)`);
  const r = await opening;
  for (const p of pieces(delta)) r.write(p);
  r.finish();
}

/** How an auto-answering node reacts to one broadcast; `undefined` means it stays silent. */
export interface Behaviour {
  train?(b: Broadcast, global: Float32Array): { delta: Float32Array; examples: number } | 'decline' | undefined;
  evaluate?(b: Broadcast, global: Float32Array): Omit<EvaluationReport, 'round'> | 'decline' | undefined;
}

/** Answer every broadcast `session` receives according to `behaviour`, after the send returns. */
export function autoAnswer(h: Harness, session: FakeSession, behaviour: Behaviour): void {
  session.onSend = (b) => {
    const { round, kind } = b.task;
    queueMicrotask(() => {
      const run = async (): Promise<void> => {
        const global = weightsOf(b, h);
        if (kind === 'train') {
          const answer = behaviour.train?.(b, global);
          if (answer === 'decline') h.coordinator.decline(session.name, round, kind, 'not today');
          else if (answer) await upload(h, session.name, round, answer.delta, answer.examples);
        } else {
          const answer = behaviour.evaluate?.(b, global);
          if (answer === 'decline') h.coordinator.decline(session.name, round, kind, 'no held-out data');
          else if (answer) h.coordinator.submitEvaluation(session.name, { round, ...answer });
        }
      };
      run().catch((err: unknown) => h.errors.push(err));
    });
  };
}

/** Every event of a launch, once its last round has finished. */
export async function collect(events: AsyncIterable<RoundEvent>): Promise<RoundEvent[]> {
  const out: RoundEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The events that end a round (state other than running). */
export function finals(events: readonly RoundEvent[]): RoundEvent[] {
  return events.filter((e) => e.state !== 'running');
}

/** Let every queued microtask and I/O callback run, to check that something has *not* happened. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** 'pending' if `p` has not settled after a flush, else its outcome. */
export async function state<T>(p: Promise<T>): Promise<'pending' | 'resolved' | 'rejected'> {
  let s: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (s = 'resolved'),
    () => (s = 'rejected'),
  );
  await flush();
  return s;
}
