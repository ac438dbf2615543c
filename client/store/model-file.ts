/**
 * The node's last verified global model, kept as model.bin in its data dir so a restarted
 * node needs no transfer when the coordinator's model has not moved on:
 *
 *   bytes 0..8     "COHORTM1"
 *   bytes 8..16    round, unsigned 64-bit little-endian (safe integer)
 *   bytes 16..48   sha256 of the weights
 *   bytes 48..52   n, unsigned 32-bit little-endian
 *   bytes 52..     n float32 values, little-endian
 *
 * Written to a temp file and renamed, without fsync: after a crash or power cut the file is
 * the old one, the new one, or damaged, and a damaged one fails the hash check on load and
 * is ignored (the node fetches the whole model). Nothing relies on it being there.
 */
import { readFileSync, renameSync, unlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger.js';
import { describeVersion, weightsHash } from '../../shared/model/version.js';
import type { HeldModel, ModelFile } from '../core/models.js';

/** File name inside the node data dir. */
export const MODEL_FILE = 'model.bin';
const MAGIC = Buffer.from('COHORTM1', 'latin1');
const HEADER_BYTES = 52;

/** Encode `m` in the file layout. */
export function encodeModelFile(m: HeldModel): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + m.weights.byteLength);
  MAGIC.copy(out, 0);
  out.writeBigUInt64LE(BigInt(m.version.round), 8);
  m.version.sha256.copy(out, 16);
  out.writeUInt32LE(m.weights.length, 48);
  out.set(new Uint8Array(m.weights.buffer, m.weights.byteOffset, m.weights.byteLength), HEADER_BYTES);
  return out;
}

/** The model in `bytes`, or why it cannot be used. */
export function decodeModelFile(bytes: Buffer): HeldModel | string {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 8).equals(MAGIC)) return 'not a Cohort model file';
  const round = bytes.readBigUInt64LE(8);
  if (round > BigInt(Number.MAX_SAFE_INTEGER)) return 'its round is out of range';
  const n = bytes.readUInt32LE(48);
  if (bytes.length !== HEADER_BYTES + 4 * n) return `it should hold ${n} values but has ${bytes.length - HEADER_BYTES} bytes of them`;
  const weights = new Float32Array(n);
  new Uint8Array(weights.buffer).set(bytes.subarray(HEADER_BYTES));
  const sha256 = Buffer.from(bytes.subarray(16, 48));
  if (!weightsHash(weights).equals(sha256)) return 'its weights do not match their sha256 (damaged)';
  return { version: { round: Number(round), sha256 }, weights };
}

/** model.bin in `dataDir` (which must exist). */
export function modelFile(dataDir: string, log: Logger): ModelFile {
  const path = join(dataDir, MODEL_FILE);
  let writing: Promise<void> | undefined;
  let next: HeldModel | undefined;
  const write = async (m: HeldModel): Promise<void> => {
    const temp = `${path}.tmp`;
    await writeFile(temp, encodeModelFile(m), { mode: 0o600 });
    renameSync(temp, path);
  };
  /** One write at a time; a newer model replaces one still waiting. */
  const drain = (): void => {
    const m = next;
    next = undefined;
    if (!m) {
      writing = undefined;
      return;
    }
    writing = write(m).then(drain, (err: unknown) => {
      log.warn({ path, model: describeVersion(m.version), err: (err as Error).message }, 'could not keep the model in the data dir; a restart will fetch it again');
      drain();
    });
  };
  return {
    load() {
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ path, err: (err as Error).message }, 'cannot read the kept model; fetching the whole model');
        return undefined;
      }
      const m = decodeModelFile(bytes);
      if (typeof m === 'string') {
        log.warn({ path, reason: m }, 'kept model is unusable; fetching the whole model');
        try {
          unlinkSync(path);
        } catch {
          // Left for the next save to replace.
        }
        return undefined;
      }
      return m;
    },
    save(m) {
      next = m;
      if (!writing) drain();
    },
    async flush() {
      while (writing) await writing;
    },
  };
}
