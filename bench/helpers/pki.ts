/** A throw-away federation CA for benchmarks: a temp directory removed when the run ends. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa, issue, loadTlsMaterial, type TlsMaterial } from '../../shared/pki/ca-dir.js';

/** A CA directory with the coordinator's certificate and any node certificates issued so far. */
export class BenchPki {
  readonly dir: string;
  private readonly issued = new Set<string>();

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'cohort-bench-certs-'));
    initCa(this.dir, { sans: ['localhost', '127.0.0.1'], now: new Date() });
  }

  /** Issue node certificates for every name not issued yet. */
  nodes(names: readonly string[]): void {
    for (const name of names) {
      if (this.issued.has(name)) continue;
      issue(this.dir, name, 'node', { now: new Date() });
      this.issued.add(name);
    }
  }

  /** PEM material of `name` (or of the coordinator). */
  tls(name: string): TlsMaterial {
    return loadTlsMaterial(this.dir, name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `count` node names: node-01, node-02, ... */
export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `node-${String(i + 1).padStart(2, '0')}`);
}
