/** Small conversions between wire enums/statuses and core values, shared by both gRPC adapters. */
import type * as grpc from '@grpc/grpc-js';
import { DECLINE_CATEGORIES, type DeclineCategory } from '../decline.js';
import { CohortError } from '../errors.js';
import type { DeclineCategory as WireDeclineCategory } from './generated/cohort/v1/DeclineCategory.js';
import type { TaskKind as WireTaskKind } from './generated/cohort/v1/TaskKind.js';
import type { TensorEncoding as WireTensorEncoding } from './generated/cohort/v1/TensorEncoding.js';
import type { TensorEncoding } from '../tensor/codec.js';

/** What a task asks a node to do. */
export type TaskKind = 'train' | 'evaluate';

/** Core task kind → wire enum. */
export const WIRE_TASK_KIND: Readonly<Record<TaskKind, WireTaskKind>> = { train: 'TASK_KIND_TRAIN', evaluate: 'TASK_KIND_EVALUATE' };

/** Wire enum → core task kind, or undefined for anything else. */
export function taskKindFromWire(kind: WireTaskKind | string): TaskKind | undefined {
  return kind === 'TASK_KIND_TRAIN' ? 'train' : kind === 'TASK_KIND_EVALUATE' ? 'evaluate' : undefined;
}

/** Core tensor encoding → wire enum. */
export const WIRE_TENSOR_ENCODING: Readonly<Record<TensorEncoding, WireTensorEncoding>> = {
  f32: 'TENSOR_ENCODING_F32',
  int8: 'TENSOR_ENCODING_INT8',
  fp16: 'TENSOR_ENCODING_FP16',
};

/** Wire enum → core tensor encoding, or undefined for UNSPECIFIED or anything unknown. */
export function tensorEncodingFromWire(e: WireTensorEncoding | string): TensorEncoding | undefined {
  return e === 'TENSOR_ENCODING_F32' ? 'f32' : e === 'TENSOR_ENCODING_INT8' ? 'int8' : e === 'TENSOR_ENCODING_FP16' ? 'fp16' : undefined;
}

/** Core decline category → wire enum. */
export const WIRE_DECLINE_CATEGORY: Readonly<Record<DeclineCategory, WireDeclineCategory>> = {
  data: 'DECLINE_CATEGORY_DATA',
  no_data: 'DECLINE_CATEGORY_NO_DATA',
  privacy_budget: 'DECLINE_CATEGORY_PRIVACY_BUDGET',
  bad_task: 'DECLINE_CATEGORY_BAD_TASK',
  secure_aggregation: 'DECLINE_CATEGORY_SECURE_AGGREGATION',
  local_failure: 'DECLINE_CATEGORY_LOCAL_FAILURE',
  unspecified: 'DECLINE_CATEGORY_UNSPECIFIED',
};

const DECLINE_CATEGORY_FROM_WIRE: ReadonlyMap<string, DeclineCategory> = new Map(DECLINE_CATEGORIES.map((c) => [String(WIRE_DECLINE_CATEGORY[c]), c]));

/** Wire enum → core decline category; anything unknown (a newer peer, a number) is `unspecified`. */
export function declineCategoryFromWire(category: WireDeclineCategory | string | number): DeclineCategory {
  return DECLINE_CATEGORY_FROM_WIRE.get(String(category)) ?? 'unspecified';
}

/** Trailer carrying the closed error code, so a client can tell e.g. a budget refusal apart. */
export const ERROR_CODE_TRAILER = 'cohort-error';

/** A failed call's status (and `cohort-error` trailer) as a CohortError. */
export function errorFromStatus(err: grpc.ServiceError): CohortError {
  const trailer = err.metadata?.get(ERROR_CODE_TRAILER)[0];
  return CohortError.fromGrpc(err.code, err.details, typeof trailer === 'string' ? trailer : undefined);
}
