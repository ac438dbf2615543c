// Original file: proto/cohort/v1/cohort.proto


/**
 * A revocation list signed by the federation CA (not by the coordinator), so a
 * node can check it itself. A node:
 * - verifies `signature` with the public key of its own copy of ca.crt and
 * refuses the list otherwise;
 * - keeps, on disk, the list with the highest `number` it has seen, and never
 * goes back to a lower number;
 * - refuses a secure-aggregation round whose Task carries no list, a list that
 * is not signed, a lower number than the highest seen (or the same number
 * with other content), or when the newest list it has is past `nextUpdate`;
 * - refuses the round when any participant's certificate serial is on the
 * newest list it has.
 * A coordinator can hold a newer list back, but only until the list the nodes
 * have expires (SECURITY.md, "Certificates, identities and revocation").
 */
export interface SignedRevocationList {
  /**
   * The signed content, exactly as signed (at most 256 KiB of UTF-8 JSON):
   * {"format": "cohort-revocations/1",
   * "ca": lower-case hex SHA-256 of the CA certificate's DER,
   * "number": n (>= 1; every list the CA signs has the next number),
   * "issuedAt": ISO 8601, "nextUpdate": ISO 8601 (not to be used after it),
   * "revoked": [{"serial": lower-case hex without leading zeros,
   * "name": holder name, "reason": "revoked" or "replaced"
   * (a newer certificate for the same name was issued),
   * "revokedAt": ISO 8601}]}
   * Certificates that have expired are left out.
   */
  'list'?: (Buffer | Uint8Array | string);
  /**
   * RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt, by the CA key,
   * over the ASCII bytes "cohort-revocations/1", one 0x00 byte, then `list`.
   */
  'signature'?: (Buffer | Uint8Array | string);
}

/**
 * A revocation list signed by the federation CA (not by the coordinator), so a
 * node can check it itself. A node:
 * - verifies `signature` with the public key of its own copy of ca.crt and
 * refuses the list otherwise;
 * - keeps, on disk, the list with the highest `number` it has seen, and never
 * goes back to a lower number;
 * - refuses a secure-aggregation round whose Task carries no list, a list that
 * is not signed, a lower number than the highest seen (or the same number
 * with other content), or when the newest list it has is past `nextUpdate`;
 * - refuses the round when any participant's certificate serial is on the
 * newest list it has.
 * A coordinator can hold a newer list back, but only until the list the nodes
 * have expires (SECURITY.md, "Certificates, identities and revocation").
 */
export interface SignedRevocationList__Output {
  /**
   * The signed content, exactly as signed (at most 256 KiB of UTF-8 JSON):
   * {"format": "cohort-revocations/1",
   * "ca": lower-case hex SHA-256 of the CA certificate's DER,
   * "number": n (>= 1; every list the CA signs has the next number),
   * "issuedAt": ISO 8601, "nextUpdate": ISO 8601 (not to be used after it),
   * "revoked": [{"serial": lower-case hex without leading zeros,
   * "name": holder name, "reason": "revoked" or "replaced"
   * (a newer certificate for the same name was issued),
   * "revokedAt": ISO 8601}]}
   * Certificates that have expired are left out.
   */
  'list': (Buffer);
  /**
   * RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt, by the CA key,
   * over the ASCII bytes "cohort-revocations/1", one 0x00 byte, then `list`.
   */
  'signature': (Buffer);
}
