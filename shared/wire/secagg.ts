/**
 * Mapping between the secure-aggregation messages of shared/secagg (plain objects) and
 * their wire form. Decoding produces plain objects that the state machines parse and
 * check themselves; the sender of a node message is always the authenticated caller,
 * never a field of the message.
 */
import type { AdvertiseKeys, ClientMessage, ForwardedReport, SecAggConfig, ServerMessage } from '../secagg/messages.js';
import type { MaskingReport as WireReport, MaskingReport__Output as WireReportOut } from './generated/cohort/v1/MaskingReport.js';
import type { AdvertiseKeys as WireAdvert, AdvertiseKeys__Output as WireAdvertOut } from './generated/cohort/v1/AdvertiseKeys.js';
import type { SecAggFromNode, SecAggFromNode__Output } from './generated/cohort/v1/SecAggFromNode.js';
import type { SecAggSetup, SecAggSetup__Output } from './generated/cohort/v1/SecAggSetup.js';
import type { SecAggToNode, SecAggToNode__Output } from './generated/cohort/v1/SecAggToNode.js';

/** A node's view of a secure round: the protocol config (with the encoding) and peers' certificates. */
export interface SecureSetup {
  readonly config: SecAggConfig;
  /** Certificate PEM of every participant, by name. */
  readonly certificates: ReadonlyMap<string, string>;
}

/** SecureSetup → wire. */
export function setupToWire(s: SecureSetup): SecAggSetup {
  const c = s.config;
  return {
    roundId: c.roundId,
    participants: [...c.participants],
    k: c.k,
    t: c.t,
    minSurvivors: c.minSurvivors,
    vectorLength: c.vectorLength,
    graphSeed: Buffer.from(c.graphSeed),
    certificates: [...s.certificates].map(([name, pem]) => ({ name, pem })),
    fixedPoint: { ...c.fixedPoint },
  };
}

/** Wire → SecureSetup (shapes are checked later by the SecAgg client and fixed-point code). */
export function setupFromWire(w: SecAggSetup__Output): SecureSetup {
  return {
    config: {
      roundId: w.roundId,
      participants: [...w.participants],
      k: w.k,
      t: w.t,
      minSurvivors: w.minSurvivors,
      vectorLength: w.vectorLength,
      graphSeed: new Uint8Array(w.graphSeed),
      fixedPoint: {
        clipNorm: w.fixedPoint?.clipNorm ?? 0,
        noiseBound: w.fixedPoint?.noiseBound ?? 0,
        maxSummands: w.fixedPoint?.maxSummands ?? 0,
        scale: w.fixedPoint?.scale ?? 0,
      },
    },
    certificates: new Map(w.certificates.map((c) => [c.name, c.pem])),
  };
}

function advertToWire(a: AdvertiseKeys): WireAdvert {
  return { sender: a.sender, cPublicKey: Buffer.from(a.cPublicKey), sPublicKey: Buffer.from(a.sPublicKey), signature: Buffer.from(a.signature) };
}

function reportToWire(r: ForwardedReport): WireReport {
  return { sender: r.sender, missingNeighbours: [...r.missingNeighbours], signature: Buffer.from(r.signature) };
}

function reportFromWire(r: WireReportOut): unknown {
  return { sender: r.sender, missingNeighbours: [...r.missingNeighbours], signature: r.signature };
}

function advertFromWire(a: WireAdvertOut, roundId: string, sender = a.sender): unknown {
  return { type: 'advertise_keys', roundId, stage: 1, sender, cPublicKey: a.cPublicKey, sPublicKey: a.sPublicKey, signature: a.signature };
}

/** A node message (other than the masked input) → wire. */
export function fromNodeToWire(round: number, m: Exclude<ClientMessage, { type: 'masked_input' }>): SecAggFromNode {
  const base = { round, roundId: m.roundId };
  switch (m.type) {
    case 'advertise_keys':
      return { ...base, advertise: advertToWire(m) };
    case 'share_keys':
      return { ...base, shareKeys: { shares: m.shares.map((s) => ({ peer: s.receiver, ciphertext: Buffer.from(s.ciphertext) })) } };
    case 'masking_report':
      return { ...base, maskingReport: { missingNeighbours: [...m.missingNeighbours], signature: Buffer.from(m.signature) } };
    case 'consistency_signature':
      return { ...base, consistencySignature: Buffer.from(m.signature) };
    case 'unmask_response':
      return {
        ...base,
        unmask: {
          selfMaskShares: m.selfMaskShares.map((s) => ({ owner: s.owner, share: Buffer.from(s.share) })),
          keyShares: m.keyShares.map((s) => ({ owner: s.owner, share: Buffer.from(s.share) })),
        },
      };
  }
}

/** Wire → plain node message, attributed to the authenticated `sender`. */
export function fromNodeFromWire(w: SecAggFromNode__Output, sender: string): unknown {
  const base = { roundId: w.roundId, sender };
  switch (w.body) {
    case 'advertise':
      return w.advertise ? advertFromWire(w.advertise, w.roundId, sender) : undefined;
    case 'shareKeys':
      return { ...base, type: 'share_keys', stage: 2, shares: (w.shareKeys?.shares ?? []).map((s) => ({ receiver: s.peer, ciphertext: s.ciphertext })) };
    case 'maskingReport':
      return { ...base, type: 'masking_report', stage: 3, missingNeighbours: [...(w.maskingReport?.missingNeighbours ?? [])], signature: w.maskingReport?.signature };
    case 'consistencySignature':
      return { ...base, type: 'consistency_signature', stage: 4, signature: w.consistencySignature };
    case 'unmask':
      return {
        ...base,
        type: 'unmask_response',
        stage: 5,
        selfMaskShares: (w.unmask?.selfMaskShares ?? []).map((s) => ({ owner: s.owner, share: s.share })),
        keyShares: (w.unmask?.keyShares ?? []).map((s) => ({ owner: s.owner, share: s.share })),
      };
    default:
      return undefined;
  }
}

/** A coordinator message → wire. */
export function toNodeToWire(round: number, m: ServerMessage): SecAggToNode {
  const base = { round, roundId: m.roundId };
  switch (m.type) {
    case 'key_directory':
      return { ...base, keyDirectory: { adverts: m.adverts.map(advertToWire) } };
    case 'share_delivery':
      return { ...base, shareDelivery: { shares: m.shares.map((s) => ({ peer: s.sender, ciphertext: Buffer.from(s.ciphertext) })) } };
    case 'survivor_list':
      return { ...base, survivorList: { survivors: [...m.survivors], reports: m.reports.map(reportToWire) } };
    case 'unmask_request':
      return {
        ...base,
        unmaskRequest: {
          survivors: [...m.survivors],
          signatures: m.signatures.map((s) => ({ sender: s.sender, signature: Buffer.from(s.signature) })),
          dropouts: [...m.dropouts],
        },
      };
  }
}

/** Wire → plain coordinator message. */
export function toNodeFromWire(w: SecAggToNode__Output): unknown {
  const base = { roundId: w.roundId };
  switch (w.body) {
    case 'keyDirectory':
      return { ...base, type: 'key_directory', stage: 2, adverts: (w.keyDirectory?.adverts ?? []).map((a) => advertFromWire(a, w.roundId)) };
    case 'shareDelivery':
      return { ...base, type: 'share_delivery', stage: 3, shares: (w.shareDelivery?.shares ?? []).map((s) => ({ sender: s.peer, ciphertext: s.ciphertext })) };
    case 'survivorList':
      return {
        ...base,
        type: 'survivor_list',
        stage: 4,
        survivors: [...(w.survivorList?.survivors ?? [])],
        reports: (w.survivorList?.reports ?? []).map(reportFromWire),
      };
    case 'unmaskRequest':
      return {
        ...base,
        type: 'unmask_request',
        stage: 5,
        survivors: [...(w.unmaskRequest?.survivors ?? [])],
        signatures: (w.unmaskRequest?.signatures ?? []).map((s) => ({ sender: s.sender, signature: s.signature })),
        dropouts: [...(w.unmaskRequest?.dropouts ?? [])],
      };
    default:
      return undefined;
  }
}
