/**
 * The trainer side of the contract for TypeScript trainers: `serveTrainer(trainer)` runs
 * a Trainer (the same interface the built-in models implement) as the trainer process a
 * node daemon starts with `--trainer "node my-trainer.js"`. It speaks on fd 3, sends the
 * Hello from `describe`, answers each request, turns a thrown error into a Failure, and
 * returns when the daemon sends Shutdown or closes the channel.
 */
import { Socket } from 'node:net';
import { tensorSize } from '../../shared/model/manifest.js';
import type { DaemonMessage__Output } from '../../shared/wire/generated/cohort/trainer/v1/DaemonMessage.js';
import { decodeDaemonMessage, encodeTrainerMessage, FrameReader, TRAINER_CONTRACT, TRAINER_FD, tensorChunkFrames } from './frames.js';
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
  const reader = new FrameReader();
  let incoming: Incoming | undefined;
  /** The last request's weights as received (the trainer may change the copy it is given). */
  let kept: Float32Array | undefined;
  /** A request's weights: received next (filled: 0), or a copy of the kept ones. */
  const weightsFor = (same: boolean): { values: Float32Array; filled: number } => {
    if (!same) return { values: new Float32Array(total), filled: 0 };
    if (!kept) throw new Error('the daemon referred to the weights of a previous request, but there was none');
    return { values: kept.slice(), filled: kept.byteLength };
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
      let messages: DaemonMessage__Output[];
      try {
        messages = reader.push(data).map(decodeDaemonMessage);
      } catch (err) {
        reject(err);
        channel.destroy();
        return;
      }
      for (const m of messages) {
        if (m.body === 'shutdown') return finish();
        try {
          if (m.body === 'train' && m.train) {
            const t = m.train;
            incoming = { kind: 'train', id: t.request, request: requestOf(t, t.epochs, t.batchSize, t.learningRate, t.seed), ...weightsFor(t.sameWeights) };
          } else if (m.body === 'evaluate' && m.evaluate) {
            const e = m.evaluate;
            incoming = { kind: 'evaluate', id: e.request, request: requestOf(e, 0, 0, 0, 0), ...weightsFor(e.sameWeights) };
          } else if (m.body === 'chunk' && m.chunk && incoming && m.chunk.request === incoming.id) {
            new Uint8Array(incoming.values.buffer, incoming.filled, m.chunk.data.length).set(m.chunk.data);
            incoming.filled += m.chunk.data.length;
            if (incoming.filled === incoming.values.byteLength) {
              if (kept) kept.set(incoming.values);
              else kept = incoming.values.slice();
            }
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
