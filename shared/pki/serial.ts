/** Certificate serial numbers: random, positive, compared in one canonical form. */
import { secureRandom, type RandomSource } from '../random.js';

const SERIAL_BYTES = 16;

/**
 * A fresh 128-bit serial as 32 lower-case hex digits. The top two bits are fixed to
 * 01 so the DER INTEGER is positive and minimal without padding (RFC 5280 §4.1.2.2),
 * which leaves 126 random bits: unguessable and collision-free in practice.
 */
export function randomSerial(random: RandomSource = secureRandom): string {
  const bytes = new Uint8Array(SERIAL_BYTES);
  random.fillBytes(bytes);
  bytes[0] = ((bytes[0] as number) & 0x3f) | 0x40;
  return Buffer.from(bytes).toString('hex');
}

/**
 * Canonical form of a hex serial: lower case, no leading zeros. Node prints serials in
 * upper case and OpenSSL may pad to whole bytes; forge and our files use lower case.
 * Returns undefined for anything that is not a hex string.
 */
export function normaliseSerial(serial: string): string | undefined {
  const hex = serial.trim().toLowerCase();
  if (!/^[0-9a-f]{1,64}$/.test(hex)) return undefined;
  return hex.replace(/^0+(?=.)/, '');
}
