/** A throw-away federation CA for benchmarks: a temp directory removed when the run ends. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyHolderFiles, initCa, issue, loadTlsMaterial, type TlsMaterial } from '../../shared/pki/ca-dir.js';

/**
 * A CA directory (`caDir`, with ca.key) and the certs dir the coordinator and the nodes
 * use (`dir`: ca.crt, revocations.json and every certificate and key, never ca.key).
 */
export class BenchPki {
  private readonly root: string;
  readonly caDir: string;
  readonly dir: string;
  private readonly issued = new Set<string>();

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'cohort-bench-certs-'));
    this.caDir = join(this.root, 'ca');
    this.dir = join(this.root, 'certs');
    initCa(this.caDir, { sans: ['localhost', '127.0.0.1'], now: new Date() });
    mkdirSync(this.dir, { mode: 0o700 });
    copyHolderFiles(this.caDir, 'coordinator', this.dir);
  }

  /** Issue node certificates for every name not issued yet. */
  nodes(names: readonly string[]): void {
    for (const name of names) {
      if (this.issued.has(name)) continue;
      issue(this.caDir, name, 'node', { now: new Date() });
      copyHolderFiles(this.caDir, name, this.dir);
      this.issued.add(name);
    }
  }

  /** PEM material of `name` (or of the coordinator). */
  tls(name: string): TlsMaterial {
    return loadTlsMaterial(this.dir, name);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** `count` node names: node-01, node-02, ... */
export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `node-${String(i + 1).padStart(2, '0')}`);
}
