/**
 * Building certificates: node-forge assembles the X.509 structure, Node's native crypto
 * generates the keys and signs (forge's pure-JS RSA takes ~150 ms per 3072-bit signature).
 */
import { X509Certificate, createPrivateKey, createPublicKey, sign as nativeSign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import { CohortError } from '../errors.js';
import { CA_KEY_BITS, LEAF_KEY_BITS, generateRsaKeyPair } from './keys.js';
import { FEDERATION_ORG, validateHolder, type Role } from './names.js';
import { randomSerial } from './serial.js';

/** The federation CA: its certificate and private key, PEM. */
export interface CaMaterial {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A freshly created CA with the facts worth recording. */
export interface CreatedCa extends CaMaterial {
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Options of `createCa`. */
export interface CreateCaOptions {
  readonly commonName: string;
  readonly now: Date;
  /** Days from `now` to the end of validity. */
  readonly validityDays: number;
  /** Start of validity; defaults to `now`. */
  readonly notBefore?: Date;
}

/** Options of `issueCertificate`. */
export interface IssueOptions {
  readonly name: string;
  readonly role: Role;
  readonly now: Date;
  /** Days from `now` to the end of validity. */
  readonly validityDays: number;
  /** Start of validity; defaults to `now`. */
  readonly notBefore?: Date;
  /** subjectAltName entries: IP addresses or DNS names. Required for the coordinator. */
  readonly sans?: readonly string[];
}

/** A certificate issued by the CA, with its private key. */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  /** Lower-case hex. */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Longest validity accepted, in days (100 years). */
export const MAX_VALIDITY_DAYS = 36500;

const DAY_MS = 86_400_000;
const SHA256_WITH_RSA_OID = '1.2.840.113549.1.1.11';
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

// forge exports getTBSCertificate at runtime but its type definitions omit it.
const getTbsCertificate = (forge.pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 })
  .getTBSCertificate;

/** Create a self-signed federation CA with a fresh 3072-bit RSA key. */
export function createCa(options: CreateCaOptions): CreatedCa {
  const commonName = options.commonName;
  if (typeof commonName !== 'string' || !/^[\x20-\x7e]{1,64}$/.test(commonName) || commonName.trim() !== commonName) {
    throw new CohortError('invalid_argument', 'CA common name must be 1-64 printable ASCII characters without surrounding spaces');
  }
  const now = wholeSeconds(checkDate(options.now, 'now'));
  const notBefore = options.notBefore === undefined ? now : wholeSeconds(checkDate(options.notBefore, 'notBefore'));
  const notAfter = new Date(now.getTime() + checkDays(options.validityDays) * DAY_MS);
  if (notAfter.getTime() <= notBefore.getTime()) throw new CohortError('invalid_argument', 'notBefore must come before the end of validity');
  const keys = generateRsaKeyPair(CA_KEY_BITS);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const subject = [
    utf8Field('O', FEDERATION_ORG),
    utf8Field('CN', commonName),
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: true, pathLenConstraint: 0 },
    { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const key = readPrivateKey(keys.privateKeyPem, 'CA');
  signCertificate(cert, key);
  const certPem = forge.pki.certificateToPem(cert);
  assertSignedBy(certPem, certPem);
  return { certPem, keyPem: keys.privateKeyPem, serial: cert.serialNumber, notBefore, notAfter };
}

/**
 * Issue a certificate for `name` with `role` (subject CN=name, OU=role, O=Cohort
 * federation) and a fresh 2048-bit key. Validity ends no later than the CA's.
 */
export function issueCertificate(ca: CaMaterial, options: IssueOptions): IssuedCertificate {
  const { name, role } = options;
  validateHolder(name, role);
  const now = wholeSeconds(checkDate(options.now, 'now'));
  const days = checkDays(options.validityDays);
  const caCert = readCaCertificate(ca.certPem);
  const caKey = readPrivateKey(ca.keyPem, 'CA');
  if (!createPublicKey(caKey).equals(new X509Certificate(ca.certPem).publicKey)) {
    throw new CohortError('failed_precondition', 'the CA private key does not match the CA certificate');
  }
  const caNotAfter = caCert.validity.notAfter;
  if (now.getTime() > caNotAfter.getTime()) {
    throw new CohortError('failed_precondition', `the federation CA expired on ${caNotAfter.toISOString()}; create a new CA`);
  }
  const notBefore = options.notBefore === undefined ? now : wholeSeconds(checkDate(options.notBefore, 'notBefore'));
  // A certificate cannot outlive the CA that vouches for it.
  const notAfter = new Date(Math.min(now.getTime() + days * DAY_MS, caNotAfter.getTime()));
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new CohortError('invalid_argument', `notBefore ${notBefore.toISOString()} is not before the end of validity ${notAfter.toISOString()}`);
  }
  const altNames = parseSans(options.sans ?? []);
  if (role === 'coordinator' && altNames.length === 0) {
    throw new CohortError('invalid_argument', 'the coordinator certificate needs at least one subjectAltName (e.g. localhost,127.0.0.1)');
  }

  const keys = generateRsaKeyPair(LEAF_KEY_BITS);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([
    utf8Field('O', FEDERATION_ORG),
    utf8Field('OU', role),
    utf8Field('CN', name),
  ]);
  cert.setIssuer(caCert.subject.attributes);
  const extensions: object[] = [
    { name: 'basicConstraints', critical: true, cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true },
    role === 'coordinator'
      ? { name: 'extKeyUsage', serverAuth: true, clientAuth: true }
      : { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: subjectKeyIdentifier(caCert) },
  ];
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  cert.setExtensions(extensions);
  signCertificate(cert, caKey);
  const certPem = forge.pki.certificateToPem(cert);
  assertSignedBy(certPem, ca.certPem);
  return { certPem, keyPem: keys.privateKeyPem, serial: cert.serialNumber, notBefore, notAfter };
}

/** Split "localhost, 127.0.0.1" into trimmed, non-empty entries. */
export function splitSans(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Check subjectAltName entries (IP addresses or DNS names) without issuing anything. */
export function checkSans(sans: readonly string[]): void {
  parseSans(sans);
}

type AltName = { type: 2; value: string } | { type: 7; ip: string };

function parseSans(sans: readonly string[]): AltName[] {
  const out: AltName[] = [];
  for (const raw of sans) {
    const entry = typeof raw === 'string' ? raw.trim() : '';
    if (isIP(entry) !== 0) {
      out.push({ type: 7, ip: entry });
    } else if (DNS_NAME.test(entry.toLowerCase()) && !/(^|\.)\d+$/.test(entry)) {
      // A numeric last label is no host name: "10.0.0.300" is a mistyped IP, not DNS.
      out.push({ type: 2, value: entry.toLowerCase() });
    } else {
      throw new CohortError('invalid_argument', `invalid subjectAltName ${JSON.stringify(raw)}: expected a DNS name or an IP address`);
    }
  }
  return out;
}

// Mirrors forge's cert.sign() but hands the RSA operation to OpenSSL.
function signCertificate(cert: forge.pki.Certificate, key: KeyObject): void {
  cert.signatureOid = SHA256_WITH_RSA_OID;
  cert.siginfo.algorithmOid = SHA256_WITH_RSA_OID;
  cert.tbsCertificate = getTbsCertificate(cert);
  const tbsDer = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = nativeSign('sha256', tbsDer, key).toString('binary');
}

// Proves that forge's structure and OpenSSL's signature agree before anything is handed out.
function assertSignedBy(certPem: string, caPem: string): void {
  const cert = new X509Certificate(certPem);
  const ca = new X509Certificate(caPem);
  if (!cert.verify(ca.publicKey)) {
    throw new CohortError('failed_precondition', 'the CA private key does not match the CA certificate');
  }
}

// RFC 5280 §4.1.2.4 asks for UTF8String (forge defaults to PrintableString, which has no "_").
// forge reads valueTagClass as an ASN.1 universal type; its typings call it a Class.
function utf8Field(shortName: string, value: string): forge.pki.CertificateField {
  return { shortName, value, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class };
}

function subjectKeyIdentifier(cert: forge.pki.Certificate): string {
  const ext = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: unknown } | undefined;
  if (typeof ext?.subjectKeyIdentifier === 'string') return forge.util.hexToBytes(ext.subjectKeyIdentifier);
  return cert.generateSubjectKeyIdentifier().getBytes();
}

function readCaCertificate(pem: string): forge.pki.Certificate {
  let cert: forge.pki.Certificate;
  try {
    cert = forge.pki.certificateFromPem(pem);
  } catch (err) {
    throw new CohortError('invalid_argument', 'the CA certificate could not be read', { cause: err });
  }
  const bc = cert.getExtension('basicConstraints') as { cA?: unknown } | undefined;
  if (bc?.cA !== true) throw new CohortError('invalid_argument', 'the CA certificate is not a CA (basicConstraints CA:false)');
  return cert;
}

function readPrivateKey(pem: string, what: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new CohortError('invalid_argument', `the ${what} private key could not be read`, { cause: err });
  }
}

function checkDate(value: Date, what: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new CohortError('invalid_argument', `${what} must be a valid Date`);
  }
  return value;
}

function checkDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_VALIDITY_DAYS) {
    throw new CohortError('invalid_argument', `validity must be a whole number of days between 1 and ${MAX_VALIDITY_DAYS}, got ${days}`);
  }
  return days;
}

// X.509 times have whole seconds; truncating keeps the returned dates equal to the certificate's.
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
