/** `cohort data export`: a shard of the bundled MNIST as numpy files, to stand in for a site's own data in the examples. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseDataSpec } from '../../client/data/index.js';
import { MNIST_FEATURES, mnistShard } from '../../client/data/mnist.js';
import type { CliIo } from '../io.js';
import { usage } from '../options.js';

/** A .npy file (format 1.0): magic, header dict padded to a 64-byte boundary, little-endian data. */
function npy(descr: '<f4' | '<i8', shape: readonly number[], data: Uint8Array): Buffer {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]);
}

/** Register `cohort data`. */
export function register(program: Command, io: CliIo): void {
  const data = program.command('data').description('example data: export a shard of the bundled MNIST digits as files');
  data
    .command('export <spec>')
    .description('write mnist:I/N as DIR/images.npy (float32 [n, 28, 28], grey levels in [0, 1]) and DIR/labels.npy (int64 [n])')
    .requiredOption('--out <dir>', 'directory to write the files into (created if missing)')
    .action(async (spec: string, args: { out: string }) => {
      const parsed = parseDataSpec(spec);
      if (parsed.kind !== 'mnist') throw usage('data export writes shards of the bundled MNIST (mnist:I/N); csv data is already a file');
      const shard = await mnistShard(parsed.shard, parsed.of);
      const labels = new BigInt64Array(shard.count);
      for (let i = 0; i < shard.count; i++) labels[i] = BigInt(shard.y[i] as number);
      const side = Math.round(Math.sqrt(MNIST_FEATURES));
      mkdirSync(args.out, { recursive: true });
      writeFileSync(join(args.out, 'images.npy'), npy('<f4', [shard.count, side, side], new Uint8Array(shard.x.buffer, shard.x.byteOffset, shard.x.byteLength)));
      writeFileSync(join(args.out, 'labels.npy'), npy('<i8', [shard.count], new Uint8Array(labels.buffer)));
      io.err(`MNIST shard ${parsed.shard}/${parsed.of}: ${shard.count} digits written to ${join(args.out, 'images.npy')} and labels.npy\n`);
    });
}
