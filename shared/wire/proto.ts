/**
 * Binding of the wire contract (proto/cohort/v1/cohort.proto) for grpc-js. This and
 * the generated types are the only parts of shared/ that know about gRPC; both the
 * coordinator's and the node's grpc adapters load the contract through here so they
 * agree on options and limits.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/cohort.js';

/** Must match the flags in scripts/gen-proto.sh so the generated types are truthful. */
const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** Wire protocol name a node announces when it joins. */
export const PROTOCOL = 'cohort.v1';

/** Bytes per ModelChunk of ExportModel (the admin download of a checkpoint). */
export const CHUNK_BYTES = 256 * 1024;

/**
 * Largest message either side accepts or sends. Independent of the chunk size: a secure
 * round's task carries every participant's certificate.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024 + 64 * 1024;

/**
 * HTTP/2 flow-control window per connection on both sides, and per stream on the node.
 * The protocol default (64 KiB) makes a sender stop for a WINDOW_UPDATE every 64 KiB; a
 * secure round's task and key directory carry every participant's certificate (tens of KiB
 * at 50 nodes). Tensors travel on the bulk channel, not here.
 */
export const FLOW_CONTROL_WINDOW_BYTES = 1024 * 1024;

/**
 * Per-stream window the coordinator grants each call a node or operator makes (reports,
 * secure-aggregation messages: each at most MAX_MESSAGE_BYTES).
 */
export const STREAM_WINDOW_BYTES = 256 * 1024;

/** Channel and server options shared by both sides: explicit message caps and keepalive. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  // Detect a peer that vanished without closing TCP (cable pulled, VM frozen).
  'grpc.keepalive_time_ms': 15_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_time_between_pings_ms': 10_000,
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
};

const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));

let cached: ProtoGrpcType | undefined;

/** The loaded contract (loaded once per process). */
export function loadContract(): ProtoGrpcType {
  if (!cached) {
    const definition = protoLoader.loadSync('cohort/v1/cohort.proto', { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
    cached = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return cached;
}
