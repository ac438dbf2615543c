/**
 * The CA directory of a federation, kept on the CA holder's (admin) workstation: the CA,
 * every issued certificate and the revocation record. File layout (all PEM or JSON):
 *   ca.crt, ca.key            the CA (key mode 0600; it never goes to the coordinator host)
 *   coordinator.crt/.key      the coordinator's server certificate
 *   NAME.crt, NAME.key        one pair per holder (key mode 0600)
 *   index.json                every certificate ever issued: {version, certificates: [...]}
 *   revoked.json              the CA's record of `cohort ca revoke`: {version, revoked: [{name, serial, revokedAt}]}
 *   revocations.json          the signed list (revocations.ts): revoked and replaced certificates
 *                             that have not expired yet; copied to the coordinator, which passes
 *                             it on to the nodes
 * The coordinator's certs directory holds only ca.crt, coordinator.crt/.key and
 * revocations.json; `loadRevocations` and `findCaPrivateKey` read that side.
 */
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  fchmodSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { CohortError } from '../errors.js';
import { secureRandom } from '../random.js';
import { checkSans, createCa, issueCertificate, type CaMaterial } from './certificate.js';
import { COORDINATOR_NAME, isNameSyntaxValid, isRole, validateHolder, validateName, type Role } from './names.js';
import { normaliseSerial } from './serial.js';
import {
  DEFAULT_REVOCATION_LIST_DAYS,
  REVOCATIONS_FILE,
  decodeRevocationFile,
  encodeRevocationFile,
  signRevocations,
  verifyRevocations,
  type RevocationList,
  type RevokedCertificate,
} from './revocations.js';

/** One issued certificate as recorded in index.json (dates are ISO 8601). */
export interface IndexEntry {
  readonly name: string;
  readonly role: Role;
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly issuedAt: string;
}

/** One revoked serial as recorded in revoked.json. */
export interface RevocationEntry {
  readonly name: string;
  readonly serial: string;
  readonly revokedAt: string;
}

/** What `issue` (and `initCa` for the coordinator) wrote. */
export interface IssueResult {
  readonly name: string;
  readonly role: Role;
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly certPath: string;
  readonly keyPath: string;
  /** Serials of this name's earlier certificates that this issue put on the revocation list. */
  readonly replacedSerials: readonly string[];
}

/** What `initCa` wrote. */
export interface InitCaResult {
  readonly caCertPath: string;
  readonly caKeyPath: string;
  readonly caSerial: string;
  readonly caNotAfter: Date;
  readonly coordinator: IssueResult;
  readonly revocations: PublishedRevocations;
  /** Advice worth showing the user, e.g. a directory other users can read. */
  readonly warnings: readonly string[];
}

/** What `revoke` changed. */
export interface RevokeResult {
  readonly name: string;
  /** Serials revoked by this call. */
  readonly revokedSerials: readonly string[];
  /** Serials of this name that were already revoked. */
  readonly alreadyRevoked: number;
  /** The list signed by this call (none when nothing changed). */
  readonly revocations?: PublishedRevocations;
}

/** A signed revocation list written to the CA directory, to be copied to the coordinator. */
export interface PublishedRevocations {
  readonly path: string;
  readonly number: number;
  readonly nextUpdate: Date;
  /** Certificates on the list (revoked or replaced, not yet expired). */
  readonly entries: number;
}

/** An index entry with its current standing, for `cohort ca list`. */
export interface ListedCertificate extends IndexEntry {
  /** Revoked with `cohort ca revoke`. */
  readonly revoked: boolean;
  /** True for the newest certificate of its name; older ones were replaced, which revokes them. */
  readonly current: boolean;
}

/** TLS material of one holder, ready for `tls` or grpc-js credentials. */
export interface TlsMaterial {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Validity of holder and coordinator certificates unless told otherwise. */
export const DEFAULT_VALIDITY_DAYS = 365;
/** Validity of the CA certificate unless told otherwise. */
export const DEFAULT_CA_VALIDITY_DAYS = 3650;
/** Common name of the federation CA unless told otherwise. */
export const DEFAULT_CA_NAME = 'Cohort federation CA';

const CA_CERT = 'ca.crt';
const CA_KEY = 'ca.key';
const INDEX = 'index.json';
const REVOKED = 'revoked.json';
// Holder names cannot start with ".", so the lock never collides with a holder's files.
const LOCK = '.lock';
const KEY_MODE = 0o600;
const PUBLIC_MODE = 0o644;
const DIR_MODE = 0o700;
const DAY_MS = 86_400_000;
// Certificates start this long before they are issued, so that a peer whose clock is a
// little behind the CA host's does not refuse a fresh certificate as not yet valid.
const CLOCK_SKEW_MS = 5 * 60_000;
const INIT_HINT = 'run "cohort ca init" first (or point --dir at the CA directory)';
// Files in a certs directory that could hold a copy of the CA key under another name.
const KEY_FILE = /\.(key|pem)$/;
const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * Create the federation CA, the coordinator's server certificate and the first (empty)
 * signed revocation list in `dir`. Refuses to touch a directory that already holds any
 * CA file. Everything is generated in memory before the first file is written.
 */
export function initCa(
  dir: string,
  options: { sans: readonly string[]; now: Date; validityDays?: number; caValidityDays?: number; commonName?: string; revocationDays?: number },
): InitCaResult {
  const files = [CA_KEY, CA_CERT, INDEX, REVOKED, REVOCATIONS_FILE, `${COORDINATOR_NAME}.key`, `${COORDINATOR_NAME}.crt`];
  for (const file of files) {
    const path = join(dir, file);
    if (lstatSync(path, { throwIfNoEntry: false }) !== undefined) throw refuseOverwrite(path);
  }
  checkSans(options.sans); // before the slow CA key generation
  const listDays = checkListDays(options.revocationDays ?? DEFAULT_REVOCATION_LIST_DAYS);
  const ca = createCa({
    commonName: options.commonName ?? DEFAULT_CA_NAME,
    now: options.now,
    notBefore: backdated(options.now),
    validityDays: options.caValidityDays ?? DEFAULT_CA_VALIDITY_DAYS,
  });
  const coordinator = issueCertificate(ca, {
    name: COORDINATOR_NAME,
    role: 'coordinator',
    now: options.now,
    notBefore: backdated(options.now),
    validityDays: options.validityDays ?? DEFAULT_VALIDITY_DAYS,
    sans: options.sans,
  });
  const firstList = signRevocations(ca.certPem, ca.keyPem, {
    number: 1,
    issuedAt: options.now,
    nextUpdate: new Date(options.now.getTime() + listDays * DAY_MS),
    revoked: [],
  });

  try {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  } catch (err) {
    throw new CohortError('failed_precondition', `${dir} could not be created (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
  const warnings: string[] = [];
  const dirMode = statSync(dir).mode & 0o777;
  if ((dirMode & 0o077) !== 0) {
    warnings.push(`${dir} is accessible by other users (mode 0${dirMode.toString(8)}); consider "chmod 700 ${dir}"`);
  }
  const caKeyPath = join(dir, CA_KEY);
  const caCertPath = join(dir, CA_CERT);
  const coordinatorEntry = indexEntry(COORDINATOR_NAME, 'coordinator', coordinator, options.now);
  const paths = holderPaths(dir, COORDINATOR_NAME);
  // ca.key goes first and never overwrites: of two racing inits, exactly one wins.
  writeFileAtomic(caKeyPath, ca.keyPem, KEY_MODE, false);
  writeFileAtomic(caCertPath, ca.certPem, PUBLIC_MODE, false);
  writeFileAtomic(join(dir, INDEX), serialiseIndex([coordinatorEntry]), PUBLIC_MODE, false);
  writeFileAtomic(join(dir, REVOKED), serialiseRevoked([]), PUBLIC_MODE, false);
  writeFileAtomic(join(dir, REVOCATIONS_FILE), encodeRevocationFile(firstList), PUBLIC_MODE, false);
  writeFileAtomic(paths.keyPath, coordinator.keyPem, KEY_MODE, false);
  writeFileAtomic(paths.certPath, coordinator.certPem, PUBLIC_MODE, false);
  return {
    caCertPath,
    caKeyPath,
    caSerial: ca.serial,
    caNotAfter: ca.notAfter,
    coordinator: { ...resultOf(coordinatorEntry, coordinator), ...paths, replacedSerials: [] },
    revocations: published(dir, verifyRevocations(firstList, ca.certPem)),
    warnings,
  };
}

/**
 * Issue (or rotate) the certificate of `name` in `dir`: writes NAME.crt and NAME.key
 * (0600) and appends to index.json. Rotating replaces the name's earlier certificates,
 * and a replaced certificate is revoked: a fresh revocation list is signed. `coordinator`
 * with role `coordinator` renews the coordinator's certificate and needs `sans`.
 */
export function issue(
  dir: string,
  name: string,
  role: Role,
  options: { now: Date; validityDays?: number; sans?: readonly string[] },
): IssueResult & { readonly revocations?: PublishedRevocations } {
  validateHolder(name, role);
  const ca = readCa(dir);
  return withLock(dir, () => issueLocked(dir, name, role, ca, options));
}

function issueLocked(
  dir: string,
  name: string,
  role: Role,
  ca: CaMaterial,
  options: { now: Date; validityDays?: number; sans?: readonly string[] },
): IssueResult & { readonly revocations?: PublishedRevocations } {
  const index = readIndex(dir);
  const before = readPublished(dir, ca.certPem);
  const issued = issueCertificate(ca, {
    name,
    role,
    now: options.now,
    notBefore: backdated(options.now),
    validityDays: options.validityDays ?? DEFAULT_VALIDITY_DAYS,
    ...(options.sans === undefined ? {} : { sans: options.sans }),
  });
  const entry = indexEntry(name, role, issued, options.now);
  const paths = holderPaths(dir, name);
  // The index is written before the key and certificate: a certificate that exists but
  // is missing from the index could never be revoked by name.
  writeFileAtomic(join(dir, INDEX), serialiseIndex([...index, entry]), PUBLIC_MODE, true);
  writeFileAtomic(paths.keyPath, issued.keyPem, KEY_MODE, true);
  writeFileAtomic(paths.certPath, issued.certPem, PUBLIC_MODE, true);
  const listed = new Set(before?.revoked.map((r) => r.serial) ?? []);
  const fresh = revokedCertificates([...index, entry], readRevoked(dir), options.now).filter((r) => r.name === name && !listed.has(r.serial));
  const result = { ...resultOf(entry, issued), ...paths, replacedSerials: fresh.map((r) => r.serial) };
  // Signed last: the list is a function of index.json and revoked.json, so if this step
  // is cut off, "cohort ca crl" signs the same list later.
  return fresh.length > 0 || before === undefined ? { ...result, revocations: publishLocked(dir, ca, options.now) } : result;
}

/**
 * Revoke every certificate ever issued to `name` and sign a fresh revocation list. A
 * certificate issued to the same name afterwards is not revoked.
 */
export function revoke(dir: string, name: string, options: { now: Date }): RevokeResult {
  validateName(name);
  const ca = readCa(dir);
  return withLock(dir, () => revokeLocked(dir, name, ca, options.now));
}

function revokeLocked(dir: string, name: string, ca: CaMaterial, now: Date): RevokeResult {
  const index = readIndex(dir);
  const revoked = readRevoked(dir);
  const serials = index.filter((e) => e.name === name).map((e) => e.serial);
  if (serials.length === 0) {
    throw new CohortError('not_found', `no certificate has been issued to "${name}" (see "cohort ca list --dir ${dir}")`);
  }
  const already = new Set(revoked.map((r) => r.serial));
  const fresh = serials.filter((s) => !already.has(s));
  if (fresh.length === 0) return { name, revokedSerials: [], alreadyRevoked: serials.length };
  const revokedAt = isoDate(now);
  const added = fresh.map((serial) => ({ name, serial, revokedAt }));
  writeFileAtomic(join(dir, REVOKED), serialiseRevoked([...revoked, ...added]), PUBLIC_MODE, true);
  return { name, revokedSerials: fresh, alreadyRevoked: serials.length - fresh.length, revocations: publishLocked(dir, ca, now) };
}

/**
 * Sign a fresh revocation list (the next number, valid for `days`, by default as long as
 * the current one) with the same entries. Run it before the current list's next-update
 * time: nodes refuse secure rounds once the newest list they have seen has expired.
 */
export function refreshRevocations(dir: string, options: { now: Date; days?: number }): PublishedRevocations {
  const ca = readCa(dir);
  if (options.days !== undefined) checkListDays(options.days);
  return withLock(dir, () => publishLocked(dir, ca, options.now, options.days));
}

/** Every certificate in the index, oldest first, with its revocation and rotation status. */
export function listCertificates(dir: string): ListedCertificate[] {
  const index = readIndex(dir);
  const revoked = new Set(readRevoked(dir).map((r) => r.serial));
  const newest = newestByName(index);
  return index.map((e) => ({ ...e, revoked: revoked.has(e.serial), current: newest.get(e.name) === e }));
}

/**
 * Read and verify the signed revocation list of a certs directory (the coordinator's
 * copy) against the ca.crt beside it.
 */
export function loadRevocations(dir: string): RevocationList {
  const path = join(dir, REVOCATIONS_FILE);
  const caPem = readFile(join(dir, CA_CERT), 'it is created by "cohort ca init"; copy ca.crt from the CA directory').toString('utf8');
  const text = readFile(path, `copy ${REVOCATIONS_FILE} from the CA directory (it is written by "cohort ca init", "ca issue", "ca revoke" and "ca crl")`).toString('utf8');
  try {
    return verifyRevocations(decodeRevocationFile(text, path), caPem);
  } catch (err) {
    const e = CohortError.from(err);
    throw new CohortError('failed_precondition', e.message.startsWith(path) ? e.message : `${path}: ${e.message}`, { cause: err });
  }
}

/**
 * The CA's private key, if a copy sits in `dir` (a coordinator's certs directory): ca.key
 * itself, or any *.key / *.pem file holding the key of ca.crt. `readable` is false when
 * the file is there but this process may not read it.
 */
export function findCaPrivateKey(dir: string): { path: string; readable: boolean } | undefined {
  const named = join(dir, CA_KEY);
  if (lstatSync(named, { throwIfNoEntry: false }) !== undefined) return { path: named, readable: isReadable(named) };
  let caKey: ReturnType<typeof createPublicKey>;
  try {
    caKey = new X509Certificate(readFileSync(join(dir, CA_CERT))).publicKey;
  } catch {
    return undefined; // no readable ca.crt: loading the TLS material says why
  }
  for (const file of readdirSync(dir)) {
    if (!KEY_FILE.test(file) || file === `${COORDINATOR_NAME}.key`) continue;
    const path = join(dir, file);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.size > MAX_KEY_FILE_BYTES || !isReadable(path)) continue;
    try {
      if (createPublicKey(createPrivateKey(readFileSync(path))).equals(caKey)) return { path, readable: true };
    } catch {
      // not a private key
    }
  }
  return undefined;
}

/**
 * Copy from the CA directory what `name` needs elsewhere: ca.crt and NAME.crt/.key, and
 * for the coordinator revocations.json too. Never ca.key.
 */
export function copyHolderFiles(caDir: string, name: string, toDir: string): void {
  if (name !== COORDINATOR_NAME) validateName(name);
  const files = [CA_CERT, `${name}.crt`, `${name}.key`, ...(name === COORDINATOR_NAME ? [REVOCATIONS_FILE] : [])];
  for (const file of files) {
    const data = readFile(join(caDir, file), INIT_HINT);
    writeFileAtomic(join(toDir, file), data.toString('utf8'), file.endsWith('.key') ? KEY_MODE : PUBLIC_MODE, true);
  }
}

/** Read the CA certificate and the certificate and key of `name` from `dir`. */
export function loadTlsMaterial(dir: string, name: string): TlsMaterial {
  if (name !== COORDINATOR_NAME) validateName(name);
  const { certPath, keyPath } = holderPaths(dir, name);
  const hint =
    name === COORDINATOR_NAME
      ? 'it is created by "cohort ca init" (or "cohort ca issue coordinator --role coordinator --san ...") on the CA workstation; copy coordinator.crt and coordinator.key here'
      : `create it on the CA workstation with "cohort ca issue ${name} --role node|operator|auditor" and copy ${name}.crt and ${name}.key here`;
  const ca = readFile(join(dir, CA_CERT), 'it is created by "cohort ca init"; copy ca.crt from the CA directory');
  const cert = readFile(certPath, hint);
  const key = readFile(keyPath, hint);
  let matches: boolean;
  try {
    const certKey = new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' });
    const ownKey = createPublicKey(createPrivateKey(key)).export({ type: 'spki', format: 'der' });
    matches = certKey.equals(ownKey);
  } catch (err) {
    throw new CohortError('failed_precondition', `${certPath} or ${keyPath} is not a readable PEM certificate/key`, { cause: err });
  }
  if (!matches) {
    throw new CohortError('failed_precondition', `${keyPath} does not belong to ${certPath} (re-issued? copy both files again)`);
  }
  return { ca, cert, key };
}

/**
 * The certificates the signed list names: every serial in revoked.json, and every
 * certificate a newer one of the same name replaced; certificates already expired at
 * `now` are left out, since no peer accepts them anyway.
 */
function revokedCertificates(index: readonly IndexEntry[], record: readonly RevocationEntry[], now: Date): RevokedCertificate[] {
  const out = new Map<string, RevokedCertificate>();
  for (const r of record) out.set(r.serial, { serial: r.serial, name: r.name, reason: 'revoked', revokedAt: r.revokedAt });
  const previous = new Map<string, IndexEntry>();
  for (const e of index) {
    const replaced = previous.get(e.name);
    if (replaced && !out.has(replaced.serial)) out.set(replaced.serial, { serial: replaced.serial, name: replaced.name, reason: 'replaced', revokedAt: e.issuedAt });
    previous.set(e.name, e);
  }
  const notAfter = new Map(index.map((e) => [e.serial, Date.parse(e.notAfter)]));
  return [...out.values()].filter((r) => !((notAfter.get(r.serial) ?? Number.POSITIVE_INFINITY) < now.getTime()));
}

/** Sign and write the next list: number + 1, the entries `revokedCertificates` gives. */
function publishLocked(dir: string, ca: CaMaterial, now: Date, days?: number): PublishedRevocations {
  const previous = readPublished(dir, ca.certPem);
  const validityMs = days !== undefined ? days * DAY_MS : previous ? previous.nextUpdate.getTime() - previous.issuedAt.getTime() : DEFAULT_REVOCATION_LIST_DAYS * DAY_MS;
  const signed = signRevocations(ca.certPem, ca.keyPem, {
    number: (previous?.number ?? 0) + 1,
    issuedAt: now,
    nextUpdate: new Date(now.getTime() + validityMs),
    revoked: revokedCertificates(readIndex(dir), readRevoked(dir), now),
  });
  writeFileAtomic(join(dir, REVOCATIONS_FILE), encodeRevocationFile(signed), PUBLIC_MODE, true);
  return published(dir, verifyRevocations(signed, ca.certPem));
}

/** The CA directory's current signed list, or undefined for a CA made before lists were signed. */
function readPublished(dir: string, caPem: string): RevocationList | undefined {
  const path = join(dir, REVOCATIONS_FILE);
  if (lstatSync(path, { throwIfNoEntry: false }) === undefined) return undefined;
  try {
    return verifyRevocations(decodeRevocationFile(readFile(path, INIT_HINT).toString('utf8'), path), caPem);
  } catch (err) {
    throw corrupt(path, CohortError.from(err).message);
  }
}

function published(dir: string, list: RevocationList): PublishedRevocations {
  return { path: join(dir, REVOCATIONS_FILE), number: list.number, nextUpdate: list.nextUpdate, entries: list.revoked.length };
}

function checkListDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new CohortError('invalid_argument', `a revocation list is valid for a whole number of days from 1 to 3650, got ${days}`);
  }
  return days;
}

function isReadable(path: string): boolean {
  try {
    accessSync(path, fsConstants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Run `fn` holding DIR/.lock, so that two commands updating index.json at once cannot
 * lose an entry (a certificate missing from the index could not be revoked by name).
 */
function withLock<T>(dir: string, fn: () => T): T {
  const lock = join(dir, LOCK);
  let fd: number;
  try {
    fd = openSync(lock, 'wx', KEY_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CohortError('aborted', `another "cohort ca" command is updating ${dir} (${lock} exists; remove it if none is running)`);
    }
    throw writeError(lock, err);
  }
  closeSync(fd);
  try {
    return fn();
  } finally {
    removeIfPresent(lock);
  }
}

function readCa(dir: string): CaMaterial {
  return {
    certPem: readFile(join(dir, CA_CERT), INIT_HINT).toString('utf8'),
    keyPem: readFile(join(dir, CA_KEY), INIT_HINT).toString('utf8'),
  };
}

function holderPaths(dir: string, name: string): { certPath: string; keyPath: string } {
  return { certPath: join(dir, `${name}.crt`), keyPath: join(dir, `${name}.key`) };
}

function indexEntry(name: string, role: Role, cert: { serial: string; notBefore: Date; notAfter: Date }, now: Date): IndexEntry {
  return {
    name,
    role,
    serial: cert.serial,
    notBefore: isoDate(cert.notBefore),
    notAfter: isoDate(cert.notAfter),
    issuedAt: isoDate(now),
  };
}

function resultOf(entry: IndexEntry, cert: { notBefore: Date; notAfter: Date }): Omit<IssueResult, 'certPath' | 'keyPath' | 'replacedSerials'> {
  return { name: entry.name, role: entry.role, serial: entry.serial, notBefore: cert.notBefore, notAfter: cert.notAfter };
}

function newestByName(index: readonly IndexEntry[]): Map<string, IndexEntry> {
  const newest = new Map<string, IndexEntry>();
  for (const e of index) newest.set(e.name, e);
  return newest;
}

function refuseOverwrite(path: string): CohortError {
  return new CohortError(
    'already_exists',
    `${path} already exists: refusing to overwrite an existing federation CA (use another --dir, or move the old directory away)`,
  );
}

function backdated(now: Date): Date {
  return new Date(now.getTime() - CLOCK_SKEW_MS);
}

function isoDate(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new CohortError('invalid_argument', 'now must be a valid Date');
  return date.toISOString();
}

// ---- index.json and revoked.json: written by us, but parsed like any input ----

function serialiseIndex(certificates: readonly IndexEntry[]): string {
  return `${JSON.stringify({ version: 1, certificates }, null, 2)}\n`;
}

function serialiseRevoked(revoked: readonly RevocationEntry[]): string {
  return `${JSON.stringify({ version: 1, revoked }, null, 2)}\n`;
}

function readIndex(dir: string): IndexEntry[] {
  const path = join(dir, INDEX);
  const doc = readJson(path, INIT_HINT);
  const list = doc.certificates;
  if (!Array.isArray(list)) throw corrupt(path, 'expected {"version": 1, "certificates": [...]}');
  return list.map((item: unknown, i): IndexEntry => {
    if (!isPlainObject(item)) throw corrupt(path, `certificates[${i}] is not an object`);
    const { name, role } = item;
    if (!isNameSyntaxValid(name)) throw corrupt(path, `certificates[${i}].name is not a valid name`);
    if (!isRole(role)) throw corrupt(path, `certificates[${i}].role is not a valid role`);
    return {
      name,
      role,
      serial: serialField(item.serial, path, `certificates[${i}].serial`),
      notBefore: dateField(item.notBefore, path, `certificates[${i}].notBefore`),
      notAfter: dateField(item.notAfter, path, `certificates[${i}].notAfter`),
      issuedAt: dateField(item.issuedAt, path, `certificates[${i}].issuedAt`),
    };
  });
}

function readRevoked(dir: string): RevocationEntry[] {
  const path = join(dir, REVOKED);
  const doc = readJson(path, INIT_HINT);
  const list = doc.revoked;
  if (!Array.isArray(list)) throw corrupt(path, 'expected {"version": 1, "revoked": [...]}');
  return list.map((item: unknown, i): RevocationEntry => {
    if (!isPlainObject(item)) throw corrupt(path, `revoked[${i}] is not an object`);
    if (!isNameSyntaxValid(item.name)) throw corrupt(path, `revoked[${i}].name is not a valid name`);
    return {
      name: item.name,
      serial: serialField(item.serial, path, `revoked[${i}].serial`),
      revokedAt: dateField(item.revokedAt, path, `revoked[${i}].revokedAt`),
    };
  });
}

function readJson(path: string, hint: string): Record<string, unknown> {
  const text = readFile(path, hint).toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CohortError('failed_precondition', `${path} is not valid JSON`, { cause: err });
  }
  if (!isPlainObject(doc)) throw corrupt(path, 'expected a JSON object');
  if (doc.version !== undefined && doc.version !== 1) throw corrupt(path, `unsupported version ${JSON.stringify(doc.version)}`);
  return doc;
}

function serialField(value: unknown, path: string, field: string): string {
  const serial = typeof value === 'string' ? normaliseSerial(value) : undefined;
  if (serial === undefined) throw corrupt(path, `${field} is not a hex serial`);
  return serial;
}

function dateField(value: unknown, path: string, field: string): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw corrupt(path, `${field} is not a date`);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function corrupt(path: string, what: string): CohortError {
  return new CohortError('failed_precondition', `${path} is damaged: ${what}`);
}

// ---- file I/O ----

function readFile(path: string, hint: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CohortError('failed_precondition', `${path} not found: ${hint}`, { cause: err });
    if (code === 'EACCES' || code === 'EPERM') {
      throw new CohortError('failed_precondition', `${path} is not readable by this user (permission denied)`, { cause: err });
    }
    throw new CohortError('failed_precondition', `${path} could not be read (${code ?? 'error'})`, { cause: err });
  }
}

/**
 * Write `data` to `path` so that a crash leaves either the old file or the new one,
 * never half a key: write and fsync a temporary file with the final mode, then rename
 * it into place (or hard-link it, which fails instead of overwriting).
 */
function writeFileAtomic(path: string, data: string, mode: number, overwrite: boolean): void {
  const suffix = new Uint8Array(6);
  secureRandom.fillBytes(suffix);
  const tmp = `${path}.${Buffer.from(suffix).toString('hex')}.tmp`;
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', mode);
  } catch (err) {
    throw writeError(path, err);
  }
  try {
    try {
      fchmodSync(fd, mode); // the umask may have narrowed the mode; never widened it
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (overwrite) {
      renameSync(tmp, path);
    } else {
      try {
        linkSync(tmp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw refuseOverwrite(path);
        throw err;
      }
    }
  } catch (err) {
    throw err instanceof CohortError ? err : writeError(path, err);
  } finally {
    removeIfPresent(tmp);
  }
  fsyncDirectory(dirname(path));
}

function writeError(path: string, err: unknown): CohortError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new CohortError('failed_precondition', `${path} could not be written (${code})`, { cause: err });
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

// Makes the rename itself durable; some platforms cannot fsync a directory, which is harmless.
function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
