/** Byte helpers: unambiguous field encoding for signed data, AAD and KDF contexts. */

const utf8 = new TextEncoder();

/**
 * Concatenate fields, each prefixed with its 4-byte big-endian length, so that no two
 * different field lists encode to the same bytes (no "ab"+"c" = "a"+"bc" confusion).
 */
export function encodeFields(...fields: ReadonlyArray<string | Uint8Array | number>): Uint8Array {
  const parts = fields.map((f) => (typeof f === 'string' ? utf8.encode(f) : typeof f === 'number' ? u32be(f) : f));
  let total = 0;
  for (const p of parts) total += 4 + p.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let off = 0;
  for (const p of parts) {
    view.setUint32(off, p.length);
    out.set(p, off + 4);
    off += 4 + p.length;
  }
  return out;
}

function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/** The 8-byte big-endian IEEE 754 binary64 of `x` (how signed data carries a real number). */
export function f64be(x: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, x);
  return out;
}

/** Split bytes made by `encodeFields` back into fields; undefined when malformed. */
export function decodeFields(data: Uint8Array): Uint8Array[] | undefined {
  const fields: Uint8Array[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let off = 0;
  while (off < data.length) {
    if (off + 4 > data.length) return undefined;
    const len = view.getUint32(off);
    if (off + 4 + len > data.length) return undefined;
    fields.push(data.slice(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return fields;
}

/** Byte-wise equality (not constant time: only for public values). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The canonical order of node ids (UTF-16 code units), the same on every node. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sorted copy of `ids`. */
export function sortIds(ids: Iterable<string>): string[] {
  return [...ids].sort(compareIds);
}
