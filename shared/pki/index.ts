/** The federation PKI: the only module that imports node-forge. */
export { createCa, issueCertificate, splitSans, MAX_VALIDITY_DAYS } from './certificate.js';
export type { CaMaterial, CreatedCa, CreateCaOptions, IssueOptions, IssuedCertificate } from './certificate.js';
export {
  initCa,
  issue,
  revoke,
  refreshRevocations,
  listCertificates,
  loadRevocations,
  loadTlsMaterial,
  findCaPrivateKey,
  copyHolderFiles,
  DEFAULT_CA_NAME,
  DEFAULT_CA_VALIDITY_DAYS,
  DEFAULT_VALIDITY_DAYS,
} from './ca-dir.js';
export type {
  IndexEntry,
  InitCaResult,
  IssueResult,
  ListedCertificate,
  PublishedRevocations,
  RevocationEntry,
  RevokeResult,
  TlsMaterial,
} from './ca-dir.js';
export {
  compareRevocations,
  decodeRevocationFile,
  encodeRevocationFile,
  signRevocations,
  verifyRevocations,
  DEFAULT_REVOCATION_LIST_DAYS,
  MAX_REVOCATION_LIST_BYTES,
  REVOCATIONS_FILE,
} from './revocations.js';
export type { RevocationContent, RevocationList, RevocationReason, RevokedCertificate, SignedRevocations } from './revocations.js';
export { identityFromPeer } from './identity.js';
export type { PeerCertificateLike, PeerIdentity } from './identity.js';
export { CLIENT_ROLES, COORDINATOR_NAME, FEDERATION_ORG, ROLES, isRole, validateName } from './names.js';
export type { Role } from './names.js';
export { normaliseSerial } from './serial.js';
export { signWithKey, verifySignature } from './signature.js';
export { verifyCertificate } from './verify.js';
export type { VerifiedCertificate } from './verify.js';
