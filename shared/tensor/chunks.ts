/**
 * Float32 vectors as little-endian byte chunks, for ExportModel (an operator's download of
 * a checkpoint). Models and updates between coordinator and nodes use the bulk channel's
 * encodings instead (codec.ts).
 */
import { endianness } from 'node:os';

if (endianness() !== 'LE') {
  // Float32Array views use host byte order; the wire format is little-endian.
  throw new Error('Cohort requires a little-endian host');
}

/** Zero-copy byte views of `vector`, `chunkBytes` at a time (the last may be shorter). */
export function toChunks(vector: Float32Array, chunkBytes: number): Buffer[] {
  if (chunkBytes % 4 !== 0 || chunkBytes <= 0) throw new RangeError('chunkBytes must be a positive multiple of 4');
  const total = vector.length * 4;
  const chunks: Buffer[] = [];
  for (let off = 0; off < total || chunks.length === 0; off += chunkBytes) {
    chunks.push(Buffer.from(vector.buffer, vector.byteOffset + off, Math.min(chunkBytes, total - off)));
  }
  return chunks;
}
