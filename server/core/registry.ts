/** The coordinator's registry of nodes: who is connected, when each was last seen, who is revoked. */
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { type FederatedModel, modelKind } from '../../shared/model/model.js';
import type { NodeCapabilities, NodeRecord, NodeSession, RoundSettings } from './types.js';

/** What a node must be able to do to take part in a round. */
export interface Requirements {
  readonly modelKind: string;
  readonly secureAggregation: boolean;
  readonly privacy: boolean;
}

/** What a round with `settings` on `model` needs from each node it selects. */
export function requirementsFor(settings: RoundSettings, model: FederatedModel): Requirements {
  return { modelKind: modelKind(model), secureAggregation: settings.secureAggregation, privacy: settings.noiseMultiplier > 0 };
}

/** True when a node with `c` can do what `r` asks. */
export function meets(c: NodeCapabilities, r: Requirements): boolean {
  if (c.modelKinds.length > 0 && !c.modelKinds.includes(r.modelKind)) return false;
  return (!r.secureAggregation || c.secureAggregation) && (!r.privacy || c.privacy);
}

/** `r` in words, for a skipped round's reason. */
export function describeRequirements(r: Requirements): string {
  const needs = [`model kind "${r.modelKind}"`];
  if (r.secureAggregation) needs.push('secure aggregation');
  if (r.privacy) needs.push('differential privacy');
  return needs.join(', ');
}

interface Entry {
  name: string;
  session: NodeSession | undefined;
  lastSeenMs: number;
  revoked: boolean;
  /** The certificate whose session was cut off by the revocation, if one was connected. */
  revokedCertificate: string | undefined;
  roundsParticipated: number;
}

/** In-memory registry of node daemons, keyed by certificate name. */
export class NodeRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();

  /**
   * @param record called with a node's new record when it connects, disconnects, is
   *   revoked or takes part in a round (not on every message), to keep it durably
   */
  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly record?: (node: NodeRecord) => void,
  ) {}

  /** Nodes a previous run knew (from the data dir), none of them connected now. */
  restore(nodes: readonly NodeRecord[]): void {
    for (const n of nodes) {
      // Which certificate was revoked is not kept: any later session (it passed the transport's revocation check) clears it.
      this.entries.set(n.name, { name: n.name, session: undefined, lastSeenMs: n.lastSeenMs, revoked: n.status === 'revoked', revokedCertificate: undefined, roundsParticipated: n.roundsParticipated });
    }
  }

  private recordOf(e: Entry): NodeRecord {
    return { name: e.name, status: e.revoked ? 'revoked' : e.session ? 'connected' : 'disconnected', lastSeenMs: e.lastSeenMs, roundsParticipated: e.roundsParticipated };
  }

  private changedNode(e: Entry): void {
    this.record?.(this.recordOf(e));
  }

  private entry(name: string): Entry {
    let e = this.entries.get(name);
    if (!e) {
      e = { name, session: undefined, lastSeenMs: 0, revoked: false, revokedCertificate: undefined, roundsParticipated: 0 };
      this.entries.set(name, e);
    }
    return e;
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Register a new session; an older session of the same node is closed (it reconnected). */
  connect(session: NodeSession): void {
    const e = this.entry(session.name);
    const old = e.session;
    e.session = session;
    // A revocation applies to a certificate: a name whose revoked certificate was replaced
    // by a new one (which passed the transport's revocation check) takes part again.
    if (e.revoked && session.certificatePem !== e.revokedCertificate) e.revoked = false;
    e.lastSeenMs = this.clock.now();
    if (old && old.id !== session.id) {
      // A daemon only opens a session after its last one ended, so an old session still
      // open here is either dead (it reconnected) or another daemon's: the newest wins
      // and the other is told to stop rather than reconnect.
      old.close('replaced by a newer connection from the same node', 'replaced');
      this.log.warn({ node: session.name, session: session.id, replaced: old.id }, 'node session replaced by a newer connection with the same certificate');
    }
    this.log.info({ node: session.name, session: session.id, reconnect: old !== undefined }, 'node connected');
    this.changedNode(e);
    this.changed();
  }

  /** Forget `session` if it is still the node's current one. Returns true if it was. */
  disconnect(session: NodeSession, reason: string): boolean {
    const e = this.entries.get(session.name);
    if (!e || e.session?.id !== session.id) return false;
    e.session = undefined;
    e.lastSeenMs = this.clock.now();
    this.log.info({ node: session.name, session: session.id, reason }, 'node disconnected');
    this.changedNode(e);
    this.changed();
    return true;
  }

  /** Record that `name` just sent something. */
  touch(name: string): void {
    const e = this.entries.get(name);
    if (e) e.lastSeenMs = this.clock.now();
  }

  /** Count one more round whose aggregate includes `name`. */
  participated(name: string): void {
    const e = this.entry(name);
    e.roundsParticipated += 1;
    this.changedNode(e);
  }

  /** Mark `name` revoked and cut its session. */
  revoke(name: string): void {
    const e = this.entry(name);
    if (e.revoked) return;
    e.revoked = true;
    const s = e.session;
    e.revokedCertificate = s?.certificatePem;
    e.session = undefined;
    if (s) s.close('certificate revoked', 'revoked');
    this.log.warn({ node: name }, 'node revoked: session closed');
    this.changedNode(e);
    this.changed();
  }

  /** The current session of `name`, if connected. */
  session(name: string): NodeSession | undefined {
    return this.entries.get(name)?.session;
  }

  /** Sessions of all connected, non-revoked nodes, sorted by name. */
  connected(): NodeSession[] {
    const out: NodeSession[] = [];
    for (const e of this.entries.values()) if (e.session && !e.revoked) out.push(e.session);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Connected, non-revoked sessions whose node can do what `r` asks, sorted by name. */
  eligible(r: Requirements): NodeSession[] {
    return this.connected().filter((s) => meets(s.capabilities, r));
  }

  /** Every known node, sorted by name. */
  list(): NodeRecord[] {
    return [...this.entries.values()].map((e) => this.recordOf(e)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Call `listener` whenever a node connects, disconnects or is revoked; returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolve with true once at least `count` nodes (meeting `r`, if given) are connected, or false after `timeoutMs`. */
  waitForConnected(count: number, timeoutMs: number, signal?: AbortSignal, r?: Requirements): Promise<boolean> {
    const ready = (): boolean => (r ? this.eligible(r) : this.connected()).length >= count;
    if (ready()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (ok: boolean): void => {
        unsubscribe();
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        resolve(ok);
      };
      const onAbort = (): void => finish(false);
      const unsubscribe = this.onChange(() => {
        if (ready()) finish(true);
      });
      const timer = this.clock.schedule(timeoutMs, () => finish(false));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
