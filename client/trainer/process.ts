/**
 * The node daemon's side of the trainer contract (proto/cohort/trainer/v1/trainer.proto):
 * starts the site's trainer process, talks to it over a private socket pair on fd 3, and
 * supervises it. One long-lived process serves every round. Whatever the trainer does —
 * crash, hang, garbage on the channel, too many bytes, silence — ends in a rejected
 * request with a reason the daemon wrote (the node declines the task), a killed process
 * and a restart with backoff; never in an exception that reaches the daemon. Nothing the
 * trainer says in words (its output, its Failure messages) is put in those reasons: it
 * goes to the node's log only, so it never reaches the coordinator.
 */
import { LocalRefusal } from '../../shared/decline.js';
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../shared/clock.js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { tensorSize, type TensorSpec } from '../../shared/model/manifest.js';
import type { FederatedModel } from '../../shared/model/model.js';
import type { TrainerMessage__Output } from '../../shared/wire/generated/cohort/trainer/v1/TrainerMessage.js';
import { decodeTrainerMessage, encodeDaemonMessage, type Frame, FrameReader, isChunkFrame, MAX_CHUNK_BYTES, MAX_FRAME_BYTES, TRAINER_CONTRACT, TRAINER_FD, tensorChunkFrames } from './frames.js';
import { DEFAULT_OUTPUT_LIMITS, type OutputLimits, TrainerOutput } from './output.js';
import type { EvalOutput, Trainer, TrainerDescription, TrainerRequest, TrainOutput } from './trainer.js';

/** How to run and supervise a trainer process. */
export interface ProcessTrainerOptions {
  /** Shell command, run as `/bin/sh -c COMMAND`. */
  readonly command: string;
  readonly cwd?: string;
  /** Environment the trainer starts from (default: the daemon's). */
  readonly env?: NodeJS.ProcessEnv;
  readonly nodeName: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** How long a starting trainer has to send its Hello. */
  readonly startTimeoutMs?: number;
  /** Delay before a restart: `initialMs` doubling to `maxMs`, back to `initialMs` after an answer. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** After Shutdown, how long before SIGTERM, and again before SIGKILL. */
  readonly stopGraceMs?: number;
  readonly output?: OutputLimits;
}

/** Defaults written in the contract. */
export const DEFAULT_START_TIMEOUT_MS = 120_000;
export const DEFAULT_TRAINER_BACKOFF = { initialMs: 500, maxMs: 60_000 };
const DEFAULT_STOP_GRACE_MS = 5_000;

/** Supervisor counters (logs, tests). */
export interface TrainerStats {
  /** Processes started. */
  starts: number;
  /** Processes that failed: exited, broke the contract, missed a deadline or the start timeout. */
  failures: number;
  answered: number;
  /** Output lines counted but not logged (over the rate limit). */
  suppressedLines: number;
  /** Requests sent with same_weights instead of the weights again. */
  weightsReused: number;
}

interface Running {
  readonly child: ChildProcess;
  readonly channel: Socket;
  readonly reader: FrameReader;
  readonly stdout: TrainerOutput;
  readonly stderr: TrainerOutput;
  hello?: TrainerDescription;
  /** Its Hello's keeps_weights. */
  keepsWeights: boolean;
  /** A copy of the weights of this process's last request, when it keeps them. */
  lastWeights?: Float32Array;
  /** The vector train results are gathered in, reused from one request to the next. */
  results?: Float32Array;
  /** Set once this process has failed or been stopped: later events about it are ignored. */
  gone: boolean;
  readonly startTimer: TimerHandle;
}

interface Pending {
  readonly id: number;
  readonly kind: 'train' | 'evaluate';
  readonly resolve: (value: TrainOutput | EvalOutput) => void;
  readonly reject: (err: CohortError) => void;
  readonly timer: TimerHandle;
  /** Train results: the header once it arrived, and the tensor bytes gathered so far. */
  header?: { readonly kind: 'weights' | 'delta'; readonly tensors: TensorSpec[]; readonly numExamples: number; readonly loss: number; readonly metrics: Record<string, number> };
  values?: Float32Array;
  filled: number;
}

/** A waiter for the trainer's Hello. */
interface Waiter {
  readonly resolve: (d: TrainerDescription) => void;
  readonly reject: (err: CohortError) => void;
}

/** A trainer failure in the daemon's words (it may be sent with the decline). */
function failed(reason: string): CohortError {
  return new LocalRefusal('failed_precondition', reason);
}

/** The site's trainer process, behind the Trainer interface. */
export class ProcessTrainer implements Trainer {
  readonly stats: TrainerStats = { starts: 0, failures: 0, answered: 0, suppressedLines: 0, weightsReused: 0 };
  private running: Running | undefined;
  private pending: Pending | undefined;
  private waiters: Waiter[] = [];
  private restartTimer: TimerHandle | undefined;
  private restartAt = 0;
  private consecutiveFailures = 0;
  private lastFailure = 'the trainer has not started';
  private nextId = 0;
  private closed = false;
  /** Requests run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly opts: ProcessTrainerOptions) {
    this.log = opts.log.child({ source: 'trainer' });
  }

  /** Start the process now (the daemon does at start, so the trainer sets up before the first round). */
  start(): void {
    if (!this.closed && !this.running && !this.restartTimer) this.spawn();
  }

  /** Calls `fn` after every change of the supervisor's state (tests wait on this instead of sleeping). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The process id of the running trainer, if any. */
  get pid(): number | undefined {
    return this.running?.child.pid;
  }

  /** True while a request is in flight. */
  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** True once the running process has said Hello. */
  get ready(): boolean {
    return this.running?.hello !== undefined;
  }

  describe(_model: FederatedModel | undefined, deadlineMs: number): Promise<TrainerDescription> {
    if (this.closed) return Promise.reject(failed('the trainer is stopped'));
    const hello = this.running?.hello;
    if (hello) return Promise.resolve(hello);
    if (this.restartTimer && this.restartAt > deadlineMs) {
      const inSeconds = Math.max(0, Math.round((this.restartAt - this.opts.clock.now()) / 1000));
      return Promise.reject(failed(`${this.lastFailure}; it restarts in ${inSeconds} s, after this task's deadline`));
    }
    this.start();
    return new Promise<TrainerDescription>((resolve, reject) => {
      const timer = this.opts.clock.schedule(deadlineMs - this.opts.clock.now(), () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(failed('the trainer did not say Hello before the task\'s deadline'));
      });
      const waiter: Waiter = {
        resolve: (d) => {
          timer.cancel();
          resolve(d);
        },
        reject: (e) => {
          timer.cancel();
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** The result's values are valid until the next request: copy what you keep (TrainerWork makes the delta from them at once). */
  train(request: TrainerRequest, weights: Float32Array): Promise<TrainOutput> {
    return this.serialized(() => this.send('train', request, weights)) as Promise<TrainOutput>;
  }

  evaluate(request: TrainerRequest, weights: Float32Array): Promise<EvalOutput> {
    return this.serialized(() => this.send('evaluate', request, weights)) as Promise<EvalOutput>;
  }

  /** Stop the trainer: Shutdown, then SIGTERM and SIGKILL after the grace periods; resolves once it has exited. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    const r = this.running;
    this.running = undefined;
    this.fail('the trainer is stopping');
    if (r) await this.stop(r);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private changed(): void {
    for (const fn of [...this.listeners]) fn();
  }

  // ------------------------------------------------------------------ process

  private spawn(): void {
    this.restartTimer = undefined;
    const { opts } = this;
    let child: ChildProcess;
    try {
      // Its own process group, so a stop reaches the trainer's children (data loaders) too.
      child = spawn('/bin/sh', ['-c', opts.command], {
        cwd: opts.cwd,
        env: { ...(opts.env ?? process.env), COHORT_TRAINER_FD: String(TRAINER_FD), COHORT_TRAINER_CONTRACT: TRAINER_CONTRACT, COHORT_NODE_NAME: opts.nodeName },
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (err) {
      this.failure(undefined, `the trainer could not be started: ${(err as Error).message}`);
      return;
    }
    const channel = child.stdio[TRAINER_FD] as Socket;
    const suppressed = (): void => {
      this.stats.suppressedLines += 1;
    };
    const running: Running = {
      child,
      channel,
      // Field 4: TrainerMessage.chunk, read without buffering whole frames.
      reader: new FrameReader(MAX_FRAME_BYTES, 4),
      stdout: new TrainerOutput(child.stdout as NonNullable<ChildProcess['stdout']>, 'stdout', this.log, opts.clock, opts.output ?? DEFAULT_OUTPUT_LIMITS, suppressed),
      stderr: new TrainerOutput(child.stderr as NonNullable<ChildProcess['stderr']>, 'stderr', this.log, opts.clock, opts.output ?? DEFAULT_OUTPUT_LIMITS, suppressed),
      gone: false,
      keepsWeights: false,
      startTimer: opts.clock.schedule(opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, () => {
        if (!running.hello) this.failure(running, `the trainer sent no Hello within ${Math.round((opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS) / 1000)} s of starting`);
      }),
    };
    this.running = running;
    this.stats.starts += 1;
    this.log.info({ pid: child.pid, command: opts.command, start: this.stats.starts }, 'trainer process started');
    child.on('error', (err) => this.failure(running, `the trainer could not be started: ${err.message}`));
    child.on('exit', (code, signal) => {
      running.startTimer.cancel();
      if (running.gone) return;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}${code === 127 ? ' (command not found)' : code === 126 ? ' (not executable: chmod +x it, or run it with its interpreter, e.g. python3 train.py)' : ''}`;
      this.failure(running, `the trainer ${how}${running.hello ? '' : ' before its Hello'}`);
    });
    channel.on('data', (data: Buffer) => this.onData(running, data));
    // An end of the channel is not a failure by itself: the exit that usually follows says
    // more, and a trainer that closes fd 3 but lives on misses its next deadline.
    channel.on('error', (err) => this.failure(running, `the trainer's channel failed: ${err.message}`));
    this.changed();
  }

  private onData(running: Running, data: Buffer): void {
    if (running.gone) return;
    let frames: Frame[];
    try {
      frames = running.reader.push(data);
    } catch (err) {
      this.violation(running, (err as Error).message);
      return;
    }
    for (const body of frames) {
      if (running.gone) return;
      if (isChunkFrame(body)) {
        this.onChunk(running, body.request, body.pieces, body.length);
        continue;
      }
      let message: TrainerMessage__Output;
      try {
        message = decodeTrainerMessage(body);
      } catch (err) {
        this.violation(running, (err as Error).message);
        return;
      }
      this.onMessage(running, message);
    }
  }

  private onMessage(running: Running, m: TrainerMessage__Output): void {
    if (!running.hello) {
      if (m.body !== 'hello' || !m.hello) return this.violation(running, `its first message was ${m.body ?? 'empty'}, not Hello`);
      if (m.hello.contract !== TRAINER_CONTRACT) return this.violation(running, `it speaks contract "${m.hello.contract.slice(0, 60)}", this node speaks "${TRAINER_CONTRACT}"`);
      running.startTimer.cancel();
      running.hello = {
        trainer: m.hello.trainer.slice(0, 200),
        tensors: m.hello.tensors.map((t) => ({ name: t.name, shape: [...t.shape] })),
        trainExamples: m.hello.numTrainExamples,
        evalExamples: m.hello.numEvalExamples,
      };
      running.keepsWeights = m.hello.keepsWeights;
      this.log.info({ pid: running.child.pid, trainer: running.hello.trainer, tensors: running.hello.tensors.length, trainExamples: running.hello.trainExamples, evalExamples: running.hello.evalExamples }, 'trainer ready');
      const waiters = this.waiters.splice(0);
      for (const w of waiters) w.resolve(running.hello);
      this.changed();
      return;
    }
    const p = this.pending;
    if (!p) return this.violation(running, `it sent ${m.body ?? 'an empty message'} without being asked`);
    switch (m.body) {
      case 'failure': {
        const f = m.failure;
        if (!f || f.request !== p.id) return this.violation(running, `its Failure names request ${f?.request}, not ${p.id}`);
        // The trainer's own words stay in the node's log.
        this.log.warn({ request: p.id, message: f.message.slice(0, 4096) }, `the trainer could not ${p.kind}`);
        this.settle(p);
        p.reject(failed(`the trainer reported that it could not ${p.kind} (its message is in the node's log)`));
        return;
      }
      case 'evaluateResult': {
        const e = m.evaluateResult;
        if (p.kind !== 'evaluate' || !e) return this.violation(running, 'it sent an EvaluateResult for a train request');
        if (e.request !== p.id) return this.violation(running, `its EvaluateResult names request ${e.request}, not ${p.id}`);
        this.settle(p, true);
        p.resolve({ numExamples: e.numExamples, accuracy: e.accuracy, loss: e.loss, metrics: { ...e.metrics } });
        return;
      }
      case 'trainResult': {
        const t = m.trainResult;
        if (p.kind !== 'train' || !t) return this.violation(running, 'it sent a TrainResult for an evaluate request');
        if (t.request !== p.id) return this.violation(running, `its TrainResult names request ${t.request}, not ${p.id}`);
        if (p.header) return this.violation(running, 'it sent a second TrainResult for one request');
        const kind = t.kind === 'RESULT_KIND_WEIGHTS' ? 'weights' : t.kind === 'RESULT_KIND_DELTA' ? 'delta' : undefined;
        if (!kind) return this.violation(running, `its TrainResult has kind ${String(t.kind)}, not WEIGHTS or DELTA`);
        const tensors = t.tensors.map((x) => ({ name: x.name, shape: [...x.shape] }));
        // The stream that follows holds the Hello's tensors; a result announcing others is checked by TrainerWork.
        const total = (running.hello as TrainerDescription).tensors.reduce((s, x) => s + tensorSize(x.shape), 0);
        p.header = { kind, tensors, numExamples: t.numExamples, loss: t.loss, metrics: { ...t.metrics } };
        if (running.results?.length !== total) running.results = new Float32Array(total);
        p.values = running.results;
        if (total === 0) this.finishTrain(p);
        return;
      }
      case 'chunk':
        if (!m.chunk) return this.violation(running, 'it sent an empty TensorChunk');
        return this.onChunk(running, m.chunk.request, [m.chunk.data], m.chunk.data.length);
      default:
        return this.violation(running, `it sent ${m.body ?? 'an empty message'} while answering a ${p.kind} request`);
    }
  }

  /** Tensor data of a TrainResult, copied straight into the result's values. */
  private onChunk(running: Running, request: number, pieces: readonly Uint8Array[], length: number): void {
    const p = this.pending;
    if (!running.hello) return this.violation(running, 'its first message was chunk, not Hello');
    if (!p) return this.violation(running, 'it sent chunk without being asked');
    if (p.kind !== 'train' || !p.header || !p.values) return this.violation(running, 'it sent tensor data that belongs to no TrainResult');
    if (request !== p.id) return this.violation(running, `its TensorChunk names request ${request}, not ${p.id}`);
    if (length === 0 || length % 4 !== 0 || length > MAX_CHUNK_BYTES) {
      return this.violation(running, `it sent a TensorChunk of ${length} bytes (chunks hold 4 to ${MAX_CHUNK_BYTES} bytes, a multiple of 4)`);
    }
    const capacity = p.values.byteLength;
    if (p.filled + length > capacity) {
      return this.violation(running, `it sent more tensor data than its ${running.hello.tensors.length} tensors hold (${capacity} bytes)`);
    }
    const into = new Uint8Array(p.values.buffer);
    for (const piece of pieces) {
      into.set(piece, p.filled);
      p.filled += piece.length;
    }
    if (p.filled === capacity) this.finishTrain(p);
  }

  private finishTrain(p: Pending): void {
    const h = p.header;
    if (!h || !p.values) return;
    this.settle(p, true);
    p.resolve({ kind: h.kind, tensors: h.tensors, values: p.values, numExamples: h.numExamples, loss: h.loss, metrics: h.metrics });
  }

  /** The request is answered (or failed without breaking the contract). */
  private settle(p: Pending, answered = false): void {
    p.timer.cancel();
    this.pending = undefined;
    if (answered) {
      this.stats.answered += 1;
      this.consecutiveFailures = 0;
    }
    this.changed();
  }

  // ------------------------------------------------------------------ requests

  private async send(kind: 'train' | 'evaluate', request: TrainerRequest, weights: Float32Array): Promise<TrainOutput | EvalOutput> {
    const running = this.running;
    if (this.closed) throw failed('the trainer is stopped');
    if (!running?.hello) throw failed(`the trainer is not running: ${this.lastFailure}`);
    const now = this.opts.clock.now();
    // Answers are due a margin before the task's deadline, so the decline still reaches the coordinator in time.
    const answerBy = request.deadlineMs - Math.max(500, 0.05 * (request.deadlineMs - now));
    if (answerBy <= now) throw failed('the task\'s deadline has passed');
    const expected = running.hello.tensors.reduce((s, t) => s + tensorSize(t.shape), 0);
    if (weights.length !== expected) throw failed(`the weights hold ${weights.length} values, the trainer's tensors ${expected}`);
    const id = ++this.nextId;
    return new Promise<TrainOutput | EvalOutput>((resolve, reject) => {
      const timer = this.opts.clock.schedule(answerBy - now, () => {
        if (this.pending?.id === id) this.failure(running, `the trainer did not answer ${kind} request ${id} within the task's deadline`);
      });
      this.pending = { id, kind, resolve, reject, timer, filled: 0 };
      const bytes = new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
      // A round's evaluation weights are the next round's training weights: sent once.
      const last = running.lastWeights;
      const sameWeights = last !== undefined && Buffer.from(last.buffer, last.byteOffset, last.byteLength).equals(bytes);
      const common = { request: id, round: request.round, options: { ...request.options }, deadlineMs: request.deadlineMs, manifestSha256: request.manifestSha256, sameWeights };
      const head =
        kind === 'train'
          ? encodeDaemonMessage({ train: { ...common, epochs: request.epochs, batchSize: request.batchSize, learningRate: request.learningRate, seed: request.seed } })
          : encodeDaemonMessage({ evaluate: common });
      try {
        running.channel.write(head);
        if (sameWeights) this.stats.weightsReused += 1;
        else {
          for (const piece of tensorChunkFrames(3, id, bytes)) running.channel.write(piece);
          // A copy, into the previous one's vector: the caller may reuse its vector for the next task.
          if (running.keepsWeights) {
            if (last?.length === weights.length) last.set(weights);
            else running.lastWeights = weights.slice();
          }
        }
      } catch (err) {
        this.failure(running, `could not write to the trainer: ${(err as Error).message}`);
      }
      this.changed();
    });
  }

  // ------------------------------------------------------------------ failures

  private violation(running: Running, what: string): void {
    this.failure(running, `the trainer broke the contract: ${what}`);
  }

  /**
   * A process failed (or could not start): kill it, reject what waited on it with
   * `reason`, and schedule a restart with backoff.
   */
  private failure(running: Running | undefined, reason: string): void {
    if (running) {
      if (running.gone) return;
      running.gone = true;
      running.startTimer.cancel();
      kill(running.child, 'SIGKILL');
      running.channel.destroy();
      const tail = running.stderr.tail.slice(-3);
      this.log.error({ pid: running.child.pid, reason, ...(tail.length > 0 ? { lastStderr: tail } : {}) }, 'trainer failed');
      if (this.running === running) this.running = undefined;
    } else {
      this.log.error({ reason }, 'trainer failed');
    }
    this.stats.failures += 1;
    this.lastFailure = reason;
    this.fail(reason);
    if (this.closed) return;
    this.consecutiveFailures += 1;
    const backoff = this.opts.backoff ?? DEFAULT_TRAINER_BACKOFF;
    const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(this.consecutiveFailures - 1, 30));
    this.restartAt = this.opts.clock.now() + delay;
    this.restartTimer = this.opts.clock.schedule(delay, () => {
      if (!this.closed) this.spawn();
    });
    this.log.warn({ retryInMs: delay, failures: this.consecutiveFailures }, 'restarting the trainer after a backoff');
    this.changed();
  }

  /** Reject the request in flight and everyone waiting for a Hello. */
  private fail(reason: string): void {
    const p = this.pending;
    if (p) {
      this.settle(p);
      p.reject(failed(reason));
    }
    for (const w of this.waiters.splice(0)) w.reject(failed(reason));
  }

  /** Ask a process to stop, then insist. */
  private async stop(running: Running): Promise<void> {
    const grace = this.opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    if (running.child.exitCode !== null || running.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.child.once('exit', () => resolve()));
    running.gone = true;
    try {
      running.channel.end(encodeDaemonMessage({ shutdown: {} }));
    } catch {
      // The channel is already closed: the signals below still stop it.
    }
    const term = this.opts.clock.schedule(grace, () => kill(running.child, 'SIGTERM'));
    const hard = this.opts.clock.schedule(2 * grace, () => kill(running.child, 'SIGKILL'));
    await exited;
    term.cancel();
    hard.cancel();
    this.log.info({ pid: running.child.pid }, 'trainer process stopped');
  }
}

/** Signal the trainer's whole process group (it was started detached). */
function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}
