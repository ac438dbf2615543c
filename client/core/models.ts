/**
 * The node's copy of the global model: the last committed version it verified, by round and
 * sha256, so each version crosses the network to it once (the evaluation broadcast of round
 * r is also round r + 1's starting point). Weights enter only through `install`, which
 * checks their hash against the version the coordinator named: a stale, corrupt or forged
 * copy is never used, whether it came off the wire or out of the data dir.
 */
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { describeVersion, type ModelVersion, sameVersion, weightsHash } from '../../shared/model/version.js';

/** A verified model. */
export interface HeldModel {
  readonly version: ModelVersion;
  readonly weights: Float32Array;
}

/** Where a node keeps its model across restarts (its data dir); loads are hash-checked. */
export interface ModelFile {
  /** The saved model if its file is intact; undefined (and logged) if missing or corrupt. */
  load(): HeldModel | undefined;
  /** Replace the saved model, in the background; a failure is logged, never thrown. */
  save(model: HeldModel): void;
  /** Resolves once every save asked for so far has been written (or has failed and been logged). */
  flush(): Promise<void>;
}

/** Counters the daemon reports (and tests assert on). */
export interface ModelStats {
  /** Tasks whose model this node already held. */
  hits: number;
  /** Models received whole, and as a quantised delta against the held one. */
  full: number;
  deltas: number;
  /** Received models whose hash did not match the version they were sent as. */
  mismatches: number;
  /** Payload bytes received. */
  bytes: number;
}

/** The held model and one spare vector of the same size for the next one. */
export class ModelCache {
  private current: HeldModel | undefined;
  private spare: Float32Array | undefined;
  readonly stats: ModelStats = { hits: 0, full: 0, deltas: 0, mismatches: 0, bytes: 0 };

  constructor(
    private readonly file: ModelFile | undefined,
    private readonly log: Logger,
  ) {
    this.current = file?.load();
    if (this.current) log.info({ model: describeVersion(this.current.version) }, 'kept model loaded and verified');
  }

  /** The version this node holds, if any (announced to the coordinator). */
  get held(): ModelVersion | undefined {
    return this.current?.version;
  }

  /** The held weights if they are `version`. Callers must not modify them. */
  weightsOf(version: ModelVersion | undefined): Float32Array | undefined {
    return this.current && sameVersion(this.current.version, version) ? this.current.weights : undefined;
  }

  /** A vector of `length` floats to receive the next model into (reused, not the held one). */
  buffer(length: number): Float32Array {
    const s = this.spare;
    if (s && s.length === length) {
      this.spare = undefined;
      return s;
    }
    return new Float32Array(length);
  }

  /**
   * Make `weights` the held model if they hash to `version`; the previously held vector
   * becomes the spare. On a mismatch nothing changes and `invalid_argument` is thrown.
   */
  install(version: ModelVersion, weights: Float32Array): void {
    const actual = weightsHash(weights);
    if (!actual.equals(version.sha256)) {
      this.stats.mismatches += 1;
      this.spare = weights;
      throw new CohortError('invalid_argument', `model for ${describeVersion(version)} hashes to ${actual.toString('hex').slice(0, 12)}: not the weights named`);
    }
    const old = this.current?.weights;
    this.current = { version, weights };
    if (old && old !== weights && old.length === weights.length) this.spare = old;
    this.file?.save(this.current);
  }

  /** Resolves once the held model is in the data dir (if the cache keeps one there). */
  flush(): Promise<void> {
    return this.file?.flush() ?? Promise.resolve();
  }
}
