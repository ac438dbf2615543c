/**
 * Joins each node's two connections into one session: the Join stream (gRPC, control) gets
 * a random token in its Welcome; the bulk connection presents it in HELLO with a
 * certificate naming the same node. Only then is the session attached to the coordinator,
 * so a selected node can always fetch its model and upload. Either connection ending ends
 * the session; a Join stream whose bulk connection does not come is ended after a timeout.
 */
import type { Clock, TimerHandle } from '../../shared/clock.js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { PeerIdentity } from '../../shared/pki/identity.js';
import { SESSION_TOKEN_BYTES } from '../../shared/bulk/frames.js';
import type { RandomSource } from '../../shared/random.js';
import type { Coordinator } from '../core/coordinator.js';
import type { NodeSession } from '../core/types.js';
import type { UpdateHeader, UpdateReceiver } from '../../shared/tensor/update.js';
import type { BulkHost, BulkLink, ModelAnswer } from './server.js';

/** A Join stream's bulk connection must be READY within this. */
export const BULK_ATTACH_TIMEOUT_MS = 30_000;

/** A session that can take a bulk connection. */
export interface BulkSession extends NodeSession {
  /** The bulk connection is READY: from now on closing the session closes it too. */
  bindBulk(link: BulkLink): void;
}

interface Waiting {
  readonly session: BulkSession;
  readonly timer: TimerHandle;
}

/** The coordinator's side of the bulk channel: sessions by token, models, uploads. */
export class SessionBridge implements BulkHost {
  private readonly waiting = new Map<string, Waiting>();
  private readonly bound = new Map<BulkLink, BulkSession>();

  constructor(
    private readonly coordinator: Coordinator,
    private readonly deps: { readonly clock: Clock; readonly rng: RandomSource; readonly log: Logger; readonly attachTimeoutMs?: number },
  ) {}

  /** A Join stream opened: the token its Welcome carries. */
  expect(session: BulkSession, bulkPort: number): Buffer {
    const token = Buffer.alloc(SESSION_TOKEN_BYTES);
    this.deps.rng.fillBytes(token);
    const key = token.toString('hex');
    const ms = this.deps.attachTimeoutMs ?? BULK_ATTACH_TIMEOUT_MS;
    const timer = this.deps.clock.schedule(ms, () => {
      if (this.waiting.get(key)?.session !== session) return;
      this.waiting.delete(key);
      session.close(`no bulk connection within ${ms / 1000} s: the node must reach TCP port ${bulkPort} of this host as well (see "Ports and firewalls" in the README)`);
    });
    this.waiting.set(key, { session, timer });
    return token;
  }

  /** The Join stream ended: forget it if its bulk connection never came. */
  forget(session: BulkSession): void {
    for (const [key, w] of this.waiting) {
      if (w.session !== session) continue;
      w.timer.cancel();
      this.waiting.delete(key);
    }
  }

  attach(token: Buffer, who: PeerIdentity, link: BulkLink): void {
    const key = token.toString('hex');
    const w = this.waiting.get(key);
    if (!w) throw new CohortError('failed_precondition', 'no open Join stream has this session token (it ended, or is already joined by another bulk connection): reconnect');
    if (w.session.name !== who.name) {
      this.deps.log.warn({ node: who.name, session: w.session.name }, 'bulk connection refused: its certificate names another node than the Join stream');
      throw new CohortError('permission_denied', `this session token belongs to ${w.session.name}, not to ${who.name}`);
    }
    w.timer.cancel();
    this.waiting.delete(key);
    this.bound.set(link, w.session);
    w.session.bindBulk(link);
    this.coordinator.attach(w.session);
  }

  detached(link: BulkLink, reason: string): void {
    const session = this.bound.get(link);
    if (!session) return;
    this.bound.delete(link);
    session.close(`bulk connection closed: ${reason}`);
  }

  model(want: Parameters<BulkHost['model']>[0], have: Parameters<BulkHost['model']>[1]): ModelAnswer {
    const t = this.coordinator.modelTransfer(want, have);
    return { frame: { type: 'model', version: t.version, numParameters: t.numParameters, encoding: t.encoding, ...(t.base ? { base: t.base } : {}) }, payload: t.payload };
  }

  openUpdate(name: string, header: UpdateHeader, signal: AbortSignal): Promise<UpdateReceiver> {
    return this.coordinator.openUpdate(name, header, signal);
  }
}
