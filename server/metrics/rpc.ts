/**
 * RPC metrics at the gRPC edge: a server interceptor times every call to its final
 * status, and service definitions are wrapped so each message's serialized size is
 * counted where grpc-js (de)serializes it — the exact bytes on the wire, before framing.
 */
import * as grpc from '@grpc/grpc-js';

/** Where RPC observations go (CoordinatorMetrics implements it). */
export interface RpcRecorder {
  rpcFinished(method: string, code: string, seconds: number): void;
  rpcBytes(method: string, direction: 'sent' | 'received', bytes: number): void;
}

/** `/cohort.v1.NodeService/SubmitEvaluation` → `SubmitEvaluation`: method names are unique across our two services. */
export function methodName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

/** Status code name as Prometheus label value, e.g. `OK`, `INVALID_ARGUMENT`. */
export function codeName(code: number): string {
  return (grpc.status as unknown as Record<number, string | undefined>)[code] ?? 'UNKNOWN';
}

/** Times each call from start to the status it ends with (CANCELLED when the peer goes away first). */
export function rpcInterceptor(recorder: RpcRecorder): grpc.ServerInterceptor {
  return (descriptor, call) => {
    const method = methodName(descriptor.path);
    let t0 = 0;
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      recorder.rpcFinished(method, codeName(code), (performance.now() - t0) / 1000);
    };
    return new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        t0 = performance.now();
        next({ onCancel: () => finish(grpc.status.CANCELLED) });
      },
      sendStatus: (status, next) => {
        finish(status.code);
        next(status);
      },
    });
  };
}

/** A copy of `definition` whose (de)serializers count message bytes per method. */
export function meteredDefinition(definition: grpc.ServiceDefinition, recorder: RpcRecorder): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [key, m] of Object.entries(definition as Record<string, grpc.MethodDefinition<unknown, unknown>>)) {
    const method = methodName(m.path);
    out[key] = {
      ...m,
      requestDeserialize: (bytes: Buffer) => {
        recorder.rpcBytes(method, 'received', bytes.length);
        return m.requestDeserialize(bytes);
      },
      responseSerialize: (value: unknown) => {
        const bytes = m.responseSerialize(value);
        recorder.rpcBytes(method, 'sent', bytes.length);
        return bytes;
      },
    };
  }
  return out as grpc.ServiceDefinition;
}
