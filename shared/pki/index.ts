/** The federation PKI: the only module that imports node-forge. */
export { createCa, issueCertificate, splitSans, MAX_VALIDITY_DAYS } from './certificate.js';
export type { CaMaterial, CreatedCa, CreateCaOptions, IssueOptions, IssuedCertificate } from './certificate.js';
export {
  initCa,
  issue,
  revoke,
  listCertificates,
  loadRevocations,
  loadTlsMaterial,
  DEFAULT_CA_NAME,
  DEFAULT_CA_VALIDITY_DAYS,
  DEFAULT_VALIDITY_DAYS,
} from './ca-dir.js';
export type {
  IndexEntry,
  InitCaResult,
  IssueResult,
  ListedCertificate,
  RevocationEntry,
  RevocationList,
  RevokeResult,
  TlsMaterial,
} from './ca-dir.js';
export { identityFromPeer } from './identity.js';
export type { PeerCertificateLike, PeerIdentity } from './identity.js';
export { CLIENT_ROLES, COORDINATOR_NAME, FEDERATION_ORG, ROLES, isRole, validateName } from './names.js';
export type { Role } from './names.js';
export { normaliseSerial } from './serial.js';
export { signWithKey, verifySignature } from './signature.js';
export { verifyCertificate } from './verify.js';
export type { VerifiedCertificate } from './verify.js';
