/**
 * Checkpoint file format: `checkpoints/round-<N>.f32` holds the global model after round N
 * as raw IEEE-754 float32 values, little-endian, in the model's parameter order, with no
 * header (byte length = 4 × num_parameters). Everything else lives in the `checkpoints`
 * table (the manifest): round, time, file name, sha256 of the file's bytes, number of
 * parameters, accuracy, epsilon spent and the ledger head at commit. A file is used only
 * if its length and sha256 match the manifest.
 */
import { endianness } from 'node:os';

/** Bytes per stored parameter. */
export const BYTES_PER_PARAMETER = 4;

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** The file name of round `round`'s checkpoint inside the checkpoints dir. */
export function checkpointFileName(round: number): string {
  return `round-${round}.f32`;
}

/** Parse a checkpoint file name back to its round, or undefined for any other name. */
export function roundOfFileName(name: string): number | undefined {
  const m = /^round-([1-9][0-9]{0,15})\.f32$/.exec(name);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** The file bytes of `weights` (a copy; little-endian whatever the host). */
export function encodeWeights(weights: Float32Array): Uint8Array {
  const out = new Uint8Array(weights.length * BYTES_PER_PARAMETER);
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength));
  } else {
    const view = new DataView(out.buffer);
    for (let i = 0; i < weights.length; i++) view.setFloat32(i * BYTES_PER_PARAMETER, weights[i] as number, true);
  }
  return out;
}

/** Weights from file bytes whose length the caller has checked is a multiple of 4. */
export function decodeWeights(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / BYTES_PER_PARAMETER);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * BYTES_PER_PARAMETER, true);
  }
  return out;
}
