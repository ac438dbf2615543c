/**
 * Crash-safe file primitives for the data dirs of the coordinator and the node daemon.
 * A file is published only by rename after its bytes and then its directory entry are
 * fsynced, so after `kill -9` or a power cut a reader sees the old file or the whole new
 * one, never a torn mix.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CohortError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Suffix of files being written; any left by a crash are removed when a store opens. */
export const TEMP_SUFFIX = '.tmp';

/** Lower-case hex SHA-256 of `data` (strings are hashed as UTF-8). */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The message of an fs error, or the string form of anything else. */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Create `dir` (mode 0700) if missing and prove this process can create, fsync and remove
 * a file in it. Permission bits alone prove nothing for root, so the probe really writes.
 */
export function ensureDataDir(dir: string, what: string, log: Logger): string {
  const path = resolve(dir);
  const refuse = (reason: string, cause?: unknown): never => {
    throw new CohortError('failed_precondition', `cannot use ${path} as the ${what}: ${reason}`, { cause });
  };
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch (err) {
    refuse(reasonOf(err), err);
  }
  const mode = statSync(path).mode;
  if ((mode & 0o077) !== 0) {
    log.warn({ dir: path, mode: (mode & 0o777).toString(8) }, `the ${what} is readable by other users; chmod 700 it`);
  }
  const probe = join(path, `.write-probe${TEMP_SUFFIX}`);
  try {
    const fd = openSync(probe, 'w', 0o600);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
  } catch (err) {
    refuse(`it is not writable (${reasonOf(err)})`, err);
  }
  return path;
}

/** Make a directory's entries (a create, rename or unlink) durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write `data` to `path` atomically: a temp file in the same directory (so the rename
 * cannot cross file systems), write, fsync, rename over `path`, fsync the directory.
 */
export function atomicWriteFile(path: string, data: Uint8Array, mode = 0o600): void {
  const dir = dirname(path);
  const temp = join(dir, `${basename(path)}${TEMP_SUFFIX}`);
  try {
    const fd = openSync(temp, 'w', mode);
    try {
      for (let off = 0; off < data.byteLength; ) off += writeSync(fd, data, off, data.byteLength - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // Nothing to clean up, or the directory itself is gone: the original error says why.
    }
    throw err;
  }
  fsyncDir(dir);
}
