/**
 * The secure-aggregation stages of a round: drives the SecAgg+ server state machine
 * (shared/secagg/server.ts) over the round's node sessions. Each stage ends when every
 * node it waits for has answered or left, or at its deadline; the coordinator then only
 * ever holds the running masked sum and, at the end, the survivors' sum.
 */
import { deferred, type Deferred, type Pool } from '../../shared/async.js';
import type { Clock } from '../../shared/clock.js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { SecAggConfig, ServerMessage } from '../../shared/secagg/messages.js';
import { SecAggServer, type ServerStep } from '../../shared/secagg/server.js';
import type { SecAggVerifier } from '../../shared/secagg/signing.js';
import { TensorDecoder } from '../../shared/tensor/codec.js';
import type { UpdateHeader, UpdateReceiver } from './stages.js';

/** How the stage reaches nodes. */
export interface SecureTransport {
  send(to: string, message: ServerMessage): void;
}

/** The end of the protocol: the survivors' sum mod 2^32, or why nothing is released. */
export type SecureOutcome =
  | { readonly kind: 'completed'; readonly sum: Uint32Array; readonly survivors: readonly string[]; readonly dropouts: readonly string[] }
  | { readonly kind: 'aborted'; readonly reason: string };

/** One round's secure aggregation, as seen by the coordinator. */
export class SecureStage {
  private readonly server: SecAggServer;
  private readonly gone = new Set<string>();
  private readonly receiving = new Map<string, () => void>();
  private waiter: Deferred<void> | undefined;
  private closed = false;

  constructor(
    readonly round: number,
    readonly config: SecAggConfig,
    private readonly deps: {
      readonly verifier: SecAggVerifier;
      readonly buffers: Pool<Float32Array>;
      readonly clock: Clock;
      readonly log: Logger;
    },
  ) {
    this.server = new SecAggServer(config, { verifier: deps.verifier, logger: deps.log });
  }

  /** The protocol stage now running (for status). */
  get stage(): string {
    return this.server.stage;
  }

  /** Nodes the current protocol stage still waits for, among those still reachable. */
  pending(): string[] {
    return this.server.pending().filter((n) => !this.gone.has(n));
  }

  /** True while `name` is still expected in the current stage. */
  isPending(name: string): boolean {
    return this.pending().includes(name);
  }

  /** `name` disconnected or declined: stop waiting for it (the protocol treats it as a dropout). */
  leave(name: string, reason: string): void {
    if (this.gone.has(name) || !this.config.participants.includes(name)) return;
    this.gone.add(name);
    this.receiving.get(name)?.();
    this.deps.log.warn({ node: name, reason, protocolStage: this.server.stage }, 'node left the secure aggregation');
    this.wake();
  }

  /** A node's protocol message (anything but the masked input). */
  receive(name: string, message: unknown): void {
    this.checkOpen(name);
    const r = this.server.receive(name, message);
    if (!r.ok) throw r.error;
    this.wake();
  }

  /** Start receiving `name`'s masked input; it goes into the running sum once complete. */
  async openMasked(name: string, header: UpdateHeader, signal: AbortSignal): Promise<UpdateReceiver> {
    this.checkOpen(name);
    if (this.server.stage !== 'masked_input') throw new CohortError('failed_precondition', `masked input refused: round ${this.round} is in stage ${this.server.stage}`);
    // Checked before any buffer is taken: nodes accept no survivor whose masking report is missing.
    if (!this.server.acceptsMaskedInput(name)) {
      throw new CohortError('failed_precondition', `masked input from ${name} in round ${this.round} refused: duplicate, unexpected, or sent before its masking report`);
    }
    if (this.receiving.has(name)) throw new CohortError('failed_precondition', `a masked input from ${name} is already being received`);
    const d = this.config.vectorLength;
    if (header.numParameters !== d) throw new CohortError('invalid_argument', `masked input has ${header.numParameters} words, expected ${d}`);
    if (header.encoding !== 'f32') throw new CohortError('invalid_argument', `masked input must be sent as F32 words, got ${header.encoding}`);
    let cancelled = false;
    this.receiving.set(name, () => {
      cancelled = true;
      this.receiving.delete(name);
    });
    let buffer: Float32Array;
    try {
      buffer = await this.deps.buffers.acquire(signal);
    } catch (err) {
      this.receiving.delete(name);
      throw err;
    }
    if (cancelled) {
      // The stage closed, or the node left, while this upload waited for a buffer.
      this.deps.buffers.release(buffer);
      throw new CohortError('failed_precondition', `masked input from ${name} came too late for round ${this.round}`);
    }
    if (buffer.length < d) {
      this.deps.buffers.release(buffer);
      this.receiving.delete(name);
      throw new CohortError('invalid_argument', `masked input of ${d} words does not fit the coordinator's buffers`);
    }
    const view = buffer.subarray(0, d);
    // Masked words are uniform mod 2^32: every bit pattern is valid, nothing to check.
    const decoder = new TensorDecoder(view, 'f32', 'set', false);
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      this.receiving.delete(name);
      this.deps.buffers.release(buffer);
    };
    this.receiving.set(name, release);
    const fail = (err: unknown): never => {
      release();
      this.leave(name, err instanceof Error ? err.message : String(err));
      throw err;
    };
    return {
      write: (bytes) => {
        if (done) throw new CohortError('failed_precondition', `masked input from ${name} is closed`);
        try {
          decoder.write(bytes);
        } catch (err) {
          fail(err);
        }
      },
      finish: () => {
        if (done) throw new CohortError('failed_precondition', `masked input from ${name} is closed`);
        try {
          const words = new Uint32Array(decoder.finish().buffer, view.byteOffset, d);
          // The server adds the words into its accumulator during this call and keeps no reference.
          const r = this.server.receive(name, { type: 'masked_input', roundId: this.config.roundId, stage: 3, sender: name, masked: words });
          if (!r.ok) throw r.error;
        } catch (err) {
          fail(err);
        }
        release();
        this.wake();
      },
      abort: (detail) => {
        if (done) return;
        release();
        this.leave(name, detail);
      },
    };
  }

  /**
   * Run the protocol to its end: each stage closes when nobody reachable is pending or at
   * its deadline (`firstDeadlineMs` for key advertisement, which follows local training;
   * `stageMs` after that for each later stage).
   */
  async run(firstDeadlineMs: number, stageMs: number, transport: SecureTransport, signal: AbortSignal): Promise<SecureOutcome> {
    let deadline = firstDeadlineMs;
    try {
      for (;;) {
        await this.settle(deadline, signal);
        if (signal.aborted) return this.server.abort('the coordinator stopped the round') as SecureOutcome;
        const r = this.server.closeStage();
        if (!r.ok) return this.server.abort(r.error.message) as SecureOutcome;
        const step: ServerStep = r.value;
        if (step.kind !== 'send') return step;
        this.deps.log.info({ protocolStage: this.server.stage, messages: step.messages.length }, 'secure aggregation stage');
        for (const m of step.messages) if (!this.gone.has(m.to)) transport.send(m.to, m.message);
        deadline = this.deps.clock.now() + stageMs;
      }
    } finally {
      this.closed = true;
      for (const release of [...this.receiving.values()]) release();
    }
  }

  private checkOpen(name: string): void {
    if (this.closed) throw new CohortError('failed_precondition', `secure aggregation of round ${this.round} is over`);
    if (!this.config.participants.includes(name)) throw new CohortError('failed_precondition', `${name} is not a participant of round ${this.round}`);
    if (this.gone.has(name)) throw new CohortError('failed_precondition', `${name} has left round ${this.round}`);
  }

  private wake(): void {
    if (this.waiter && this.pending().length === 0 && this.receiving.size === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve();
    }
  }

  private settle(deadlineMs: number, signal: AbortSignal): Promise<void> {
    if (this.pending().length === 0 && this.receiving.size === 0) return Promise.resolve();
    const w = deferred<void>();
    this.waiter = w;
    const timer = this.deps.clock.schedule(deadlineMs - this.deps.clock.now(), () => {
      for (const release of [...this.receiving.values()]) release();
      w.resolve();
    });
    const onAbort = (): void => w.resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    return w.promise.finally(() => {
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
      if (this.waiter === w) this.waiter = undefined;
    });
  }
}
