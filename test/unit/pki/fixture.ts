/** Certificates shared by the PKI tests, made once per process because RSA key generation is slow. */
import { createCa, issueCertificate, type CreatedCa, type IssuedCertificate } from '../../../shared/pki/index.js';

/** A CA, certificates of every role, and the awkward cases. */
export interface PkiFixture {
  /** Wall-clock time the fixture was made at, with milliseconds; TLS checks validity against the real clock. */
  readonly now: Date;
  readonly ca: CreatedCa;
  readonly foreignCa: CreatedCa;
  readonly coordinator: IssuedCertificate;
  readonly node: IssuedCertificate;
  readonly operator: IssuedCertificate;
  readonly auditor: IssuedCertificate;
  /** Issued 400 days ago for 30 days. */
  readonly expired: IssuedCertificate;
  /** Valid from tomorrow. */
  readonly notYetValid: IssuedCertificate;
  /** Same name and role as `node`, signed by `foreignCa`, whose subject equals our CA's. */
  readonly foreignNode: IssuedCertificate;
}

const DAY = 86_400_000;
let cached: PkiFixture | undefined;

/** The shared fixture, created on first use. */
export function pkiFixture(): PkiFixture {
  if (cached) return cached;
  const now = new Date(Math.floor(Date.now() / 1000) * 1000 + 999);
  const ca = createCa({ commonName: 'Cohort test CA', now: new Date(now.getTime() - 1000 * DAY), validityDays: 3000 });
  const foreignCa = createCa({ commonName: 'Cohort test CA', now: new Date(now.getTime() - DAY), validityDays: 30 });
  const leaf = (name: string, role: 'node' | 'operator' | 'auditor', at = now, notBefore?: Date): IssuedCertificate =>
    issueCertificate(ca, { name, role, now: at, validityDays: 30, ...(notBefore ? { notBefore } : {}) });
  cached = {
    now,
    ca,
    foreignCa,
    coordinator: issueCertificate(ca, {
      name: 'coordinator',
      role: 'coordinator',
      now,
      validityDays: 30,
      sans: ['localhost', '127.0.0.1', '::1'],
    }),
    node: leaf('hospital-a', 'node'),
    operator: leaf('ops.team_1', 'operator'),
    auditor: leaf('auditor-1', 'auditor'),
    expired: leaf('hospital-old', 'node', new Date(now.getTime() - 400 * DAY)),
    notYetValid: leaf('hospital-future', 'node', now, new Date(now.getTime() + DAY)),
    foreignNode: issueCertificate(foreignCa, { name: 'hospital-a', role: 'node', now, validityDays: 30 }),
  };
  return cached;
}
