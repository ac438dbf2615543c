/**
 * A trainer process for tests, good or bad on purpose, started by a node daemon as
 * `node scripted.js MODE TENSORS_JSON [OPTIONS_FILE]`. TENSORS_JSON is the list of
 * {name, shape} it says it trains. Good modes train by adding `step` to every weight;
 * bad modes break one rule of the contract each. With OPTIONS_FILE it writes the
 * options of every train request there (one JSON line each), for pass-through tests.
 */
import { appendFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { encodeTrainerMessage, tensorChunkFrames, TRAINER_CONTRACT } from '../../../client/trainer/frames.js';
import { serveTrainer } from '../../../client/trainer/serve.js';
import type { Trainer, TrainerRequest } from '../../../client/trainer/trainer.js';

const [mode = 'ok', tensorsJson = '[]', optionsFile] = process.argv.slice(2);
const tensors = JSON.parse(tensorsJson) as Array<{ name: string; shape: number[] }>;

function trainer(overrides: Partial<Trainer> = {}): Trainer {
  return {
    describe: () => Promise.resolve({ trainer: `scripted ${mode}`, tensors, trainExamples: 20, evalExamples: 5 }),
    train: (request: TrainerRequest, weights: Float32Array) => {
      if (optionsFile) appendFileSync(optionsFile, `${JSON.stringify({ round: request.round, options: request.options, epochs: request.epochs, seed: request.seed })}\n`);
      const values = Float32Array.from(weights, (w) => w + 0.01);
      return Promise.resolve({ kind: 'weights', tensors, values, numExamples: 20, loss: 0.5, metrics: { 'local.accuracy': 0.9 } });
    },
    evaluate: () => Promise.resolve({ numExamples: 5, accuracy: 0.8, loss: 0.4 }),
    close: () => Promise.resolve(),
    ...overrides,
  };
}

/** Hello, then hand every frame of the daemon to `onRequest` with a raw socket (for protocol abuse). */
function raw(onData: (channel: Socket, data: Buffer) => void, hello = true): void {
  const channel = new Socket({ fd: 3, readable: true, writable: true });
  if (hello) channel.write(encodeTrainerMessage({ hello: { contract: TRAINER_CONTRACT, trainer: `scripted ${mode}`, tensors, numTrainExamples: 20, numEvalExamples: 5 } }));
  channel.on('data', (d: Buffer) => onData(channel, d));
  channel.on('end', () => process.exit(0));
}

const total = tensors.reduce((s, t) => s + t.shape.reduce((a, d) => a * d, 1), 0);
let seen = 0;
let fired = false;
/** True once, when the first request's weights have (about) arrived: enough for scripted abuse. */
function requestComplete(data: Buffer): boolean {
  seen += data.length;
  if (fired || seen < total * 4) return false;
  fired = true;
  return true;
}

switch (mode) {
  case 'ok':
    void serveTrainer(trainer());
    break;
  case 'scribble':
    // Changes the vectors it is given and returns the same vector: legal, as long as it keeps nothing.
    void serveTrainer(
      trainer({
        train: (_r, weights) => {
          for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] as number) + 0.01;
          return Promise.resolve({ kind: 'weights', tensors, values: weights, numExamples: 20, loss: 0.5 });
        },
        evaluate: (_r, weights) => {
          weights.fill(999);
          return Promise.resolve({ numExamples: 5, accuracy: 0.8, loss: 0.4 });
        },
      }),
    );
    break;
  case 'long-line-exit':
    // One 5,000-character line on stderr, then an exit before the Hello.
    process.stderr.write(`${'y'.repeat(5_000)}\n`, () => process.exit(3));
    break;
  case 'exit-at-once':
    process.stderr.write('scripted trainer: cannot open /data/site-a (exiting at once)\n');
    process.exit(3);
    break;
  case 'no-hello':
    // Never says anything: the start timeout must catch it.
    setInterval(() => undefined, 1000);
    break;
  case 'never-answers':
    raw(() => undefined);
    break;
  case 'hello-mismatch':
    void serveTrainer({ ...trainer(), describe: () => Promise.resolve({ trainer: 'scripted hello-mismatch', tensors: tensors.map((t, i) => (i === 0 ? { name: t.name, shape: [...t.shape, 2] } : t)), trainExamples: 1, evalExamples: 1 }) });
    break;
  case 'wrong-tensors':
    // Hello matches, but the result announces another tensor list (same byte count).
    void serveTrainer(
      trainer({
        train: (_r, weights) => Promise.resolve({ kind: 'weights', tensors: [{ name: 'something.else', shape: [weights.length] }], values: weights.slice(), numExamples: 20, loss: 0.5 }),
      }),
    );
    break;
  case 'nan':
    void serveTrainer(trainer({ train: (_r, weights) => Promise.resolve({ kind: 'weights', tensors, values: Float32Array.from(weights, (_, i) => (i === 1 ? NaN : 0)), numExamples: 20, loss: 0.5 }) }));
    break;
  case 'huge-update':
    // Finite, well-formed and enormous: only the daemon's clipping bounds it.
    void serveTrainer(trainer({ train: (_r, weights) => Promise.resolve({ kind: 'weights', tensors, values: Float32Array.from(weights, (w) => w + 1e6), numExamples: 20, loss: 0.5 }) }));
    break;
  case 'huge-examples':
    void serveTrainer(trainer({ train: (_r, weights) => Promise.resolve({ kind: 'delta', tensors, values: new Float32Array(weights.length), numExamples: 50_000_000, loss: 0.5 }) }));
    break;
  case 'failure':
    void serveTrainer(trainer({ train: () => Promise.reject(new Error('CUDA out of memory; patient row 17: age=54')) }));
    break;
  case 'double-size':
    raw((channel, data) => {
      if (!requestComplete(data)) return;
      channel.write(encodeTrainerMessage({ trainResult: { request: 1, kind: 'RESULT_KIND_WEIGHTS', tensors, numExamples: 20, loss: 0.5 } }));
      for (const piece of tensorChunkFrames(4, 1, new Uint8Array(total * 8))) channel.write(piece);
    });
    break;
  case 'garbage':
    raw((channel, data) => {
      if (requestComplete(data)) channel.write(Buffer.from('Traceback (most recent call last):\n  File "train.py", line 1\n'));
    });
    break;
  case 'oversized-frame':
    raw((channel, data) => {
      if (!requestComplete(data)) return;
      const head = Buffer.alloc(4);
      head.writeUInt32LE(0xfffffff0, 0);
      channel.write(head);
    });
    break;
  case 'flood-stdout': {
    // 100 MB on stdout, in 1 MiB writes, then a well-behaved trainer.
    const line = `${'x'.repeat(99)}\n`.repeat(10_486);
    let left = 100;
    const flood = (): void => {
      while (left > 0) {
        left -= 1;
        if (!process.stdout.write(line)) {
          process.stdout.once('drain', flood);
          return;
        }
      }
      void serveTrainer(trainer());
    };
    flood();
    break;
  }
  default:
    process.stderr.write(`unknown mode ${mode}\n`);
    process.exit(2);
}
