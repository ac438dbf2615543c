/**
 * The trainer side of the contract for TypeScript trainers: `serveTrainer(trainer)` runs
 * a Trainer (the same interface the built-in models implement) as the trainer process a
 * node daemon starts with `--trainer "node my-trainer.js"`. It speaks on fd 3, sends the
 * Hello from `describe`, answers each request, turns a thrown error into a Failure, and
 * returns when the daemon sends Shutdown or closes the channel. Every request's weights
 * come in one vector that is reused for the next request: a trainer may change them or
 * return them, but must copy what it keeps after answering.
 */
import { Socket } from 'node:net';
import { tensorSize } from '../../shared/model/manifest.js';
import type { DaemonMessage__Output } from '../../shared/wire/generated/cohort/trainer/v1/DaemonMessage.js';
import { type ChunkFrame, decodeDaemonMessage, encodeTrainerMessage, FrameReader, isChunkFrame, MAX_FRAME_BYTES, TRAINER_CONTRACT, TRAINER_FD, tensorChunkFrames } from './frames.js';
import type { Trainer, TrainerDescription, TrainerRequest } from './trainer.js';

interface Incoming {
  readonly kind: 'train' | 'evaluate';
  readonly id: number;
  readonly request: TrainerRequest;
  readonly values: Float32Array;
  filled: number;
}

/** Serve `trainer` on the channel the daemon gave this process; resolves when the daemon stops it. */
export async function serveTrainer(trainer: Trainer, fd = Number(process.env['COHORT_TRAINER_FD'] ?? TRAINER_FD)): Promise<void> {
  const channel = new Socket({ fd, readable: true, writable: true });
  const description = await trainer.describe(undefined, Number.POSITIVE_INFINITY);
  const total = description.tensors.reduce((s, t) => s + tensorSize(t.shape), 0);
  channel.write(
    encodeTrainerMessage({
      hello: {
        contract: TRAINER_CONTRACT,
        trainer: description.trainer,
        tensors: description.tensors.map((t) => ({ name: t.name, shape: [...t.shape] })),
        numTrainExamples: description.trainExamples,
        numEvalExamples: description.evalExamples,
        keepsWeights: true,
      },
    }),
  );
  // Field 3: DaemonMessage.chunk, read without buffering whole frames.
  const reader = new FrameReader(MAX_FRAME_BYTES, 3);
  let incoming: Incoming | undefined;
  /** The last request's weights as received (the trainer may change the vector it is given). */
  let kept: Float32Array | undefined;
  /**
   * The vector every request's weights are given in, reused: the daemon sends a request only
   * after it has read the whole answer to the one before, so nothing still refers to it then.
   */
  let given: Float32Array | undefined;
  /** A request's weights: received next (filled: 0), or a copy of the kept ones. */
  const weightsFor = (same: boolean): { values: Float32Array; filled: number } => {
    given ??= new Float32Array(total);
    if (!same) return { values: given, filled: 0 };
    if (!kept) throw new Error('the daemon referred to the weights of a previous request, but there was none');
    given.set(kept);
    return { values: given, filled: kept.byteLength };
  };
  let work: Promise<void> = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    const finish = (): void => {
      channel.destroy();
      work.then(() => trainer.close()).then(resolve, reject);
    };
    channel.on('end', finish);
    channel.on('error', finish);
    channel.on('data', (data: Buffer) => {
      let messages: Array<DaemonMessage__Output | ChunkFrame>;
      try {
        // Every TensorChunk in one shape, whether the reader streamed it or protobuf decoded it.
        messages = reader.push(data).map((f) => {
          if (isChunkFrame(f)) return f;
          const m = decodeDaemonMessage(f);
          return m.body === 'chunk' && m.chunk ? { request: m.chunk.request, pieces: [m.chunk.data], length: m.chunk.data.length } : m;
        });
      } catch (err) {
        reject(err);
        channel.destroy();
        return;
      }
      for (const m of messages) {
        try {
          if (isChunkFrame(m)) {
            if (!incoming || m.request !== incoming.id) continue;
            const into = new Uint8Array(incoming.values.buffer);
            for (const piece of m.pieces) {
              into.set(piece, incoming.filled);
              incoming.filled += piece.length;
            }
            if (incoming.filled === incoming.values.byteLength) {
              if (kept) kept.set(incoming.values);
              else kept = incoming.values.slice();
            }
          } else if (m.body === 'shutdown') {
            return finish();
          } else if (m.body === 'train' && m.train) {
            const t = m.train;
            incoming = { kind: 'train', id: t.request, request: requestOf(t, t.epochs, t.batchSize, t.learningRate, t.seed), ...weightsFor(t.sameWeights) };
          } else if (m.body === 'evaluate' && m.evaluate) {
            const e = m.evaluate;
            incoming = { kind: 'evaluate', id: e.request, request: requestOf(e, 0, 0, 0, 0), ...weightsFor(e.sameWeights) };
          }
        } catch (err) {
          reject(err);
          channel.destroy();
          return;
        }
        if (incoming && incoming.filled === incoming.values.byteLength) {
          const done = incoming;
          incoming = undefined;
          work = work.then(() => answer(trainer, description, done, channel));
        }
      }
    });
  });
}

function requestOf(
  m: { round: number; options: Record<string, string>; deadlineMs: number; manifestSha256: string },
  epochs: number,
  batchSize: number,
  learningRate: number,
  seed: number,
): TrainerRequest {
  return { round: m.round, epochs, batchSize, learningRate, seed, options: { ...m.options }, deadlineMs: m.deadlineMs, manifestSha256: m.manifestSha256 };
}

async function answer(trainer: Trainer, description: TrainerDescription, r: Incoming, channel: Socket): Promise<void> {
  try {
    if (r.kind === 'evaluate') {
      const e = await trainer.evaluate(r.request, r.values);
      channel.write(encodeTrainerMessage({ evaluateResult: { request: r.id, numExamples: e.numExamples, accuracy: e.accuracy, loss: e.loss, metrics: { ...(e.metrics ?? {}) } } }));
      return;
    }
    const t = await trainer.train(r.request, r.values);
    channel.write(
      encodeTrainerMessage({
        trainResult: {
          request: r.id,
          kind: t.kind === 'weights' ? 'RESULT_KIND_WEIGHTS' : 'RESULT_KIND_DELTA',
          tensors: (t.tensors ?? description.tensors).map((x) => ({ name: x.name, shape: [...x.shape] })),
          numExamples: t.numExamples,
          loss: t.loss,
          metrics: { ...(t.metrics ?? {}) },
        },
      }),
    );
    const bytes = new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
    for (const piece of tensorChunkFrames(4, r.id, bytes)) channel.write(piece);
  } catch (err) {
    channel.write(encodeTrainerMessage({ failure: { request: r.id, message: err instanceof Error ? err.message : String(err) } }));
  }
}
