/**
 * SecAgg signing and verification backed by the federation PKI: nodes sign with their
 * certificate's RSA key (RSA-PSS/SHA-256, the parameters of shared/pki/signature.ts) and
 * peers verify against the certificate. Check each certificate with `verifyCertificate`
 * (CA, validity, revocation) before putting it in the map.
 */
import { verifySignature } from '../pki/signature.js';
import { keyObjectSigner, type SecAggSigner, type SecAggVerifier } from './signing.js';

/** A signer from the node's certificate private key (PEM), parsed once. */
export function certificateKeySigner(keyPem: string): SecAggSigner {
  return keyObjectSigner(keyPem);
}

/** A verifier from each node's (already validated) certificate PEM; unknown nodes and unreadable certificates fail. */
export function certificateVerifier(certPemByNode: ReadonlyMap<string, string>): SecAggVerifier {
  return {
    verify(nodeId, data, signature) {
      const cert = certPemByNode.get(nodeId);
      if (cert === undefined) return false;
      try {
        return verifySignature(cert, data, signature);
      } catch {
        return false;
      }
    },
  };
}
