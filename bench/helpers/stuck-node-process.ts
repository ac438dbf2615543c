/**
 * Child entry of the hostile bench: a node (written against the contract, see
 * test/helpers/scripted-node.ts) that joins, asks for the model of each task it is sent
 * and never reads it, the way issue 12's node stopped reading what it was sent (models
 * now travel on the bulk channel, on request); when the coordinator drops it, it joins
 * again at once and does the same. Usage: node stuck-node-process.js PORT CERTS_DIR NAME. Sends
 * {type: 'connected'} after its first Welcome and {type: 'dropped'} each time it is
 * dropped; exits on SIGTERM or when the parent goes away.
 */
import { fetchFrame, ScriptedNode } from '../../test/helpers/scripted-node.js';
import { quietIpWarnings } from './warnings.js';

quietIpWarnings();
const [port, certsDir, name] = process.argv.slice(2);
if (!port || !certsDir || !name) {
  process.stderr.write('usage: stuck-node-process.js PORT CERTS_DIR NAME\n');
  process.exit(2);
}
let stopping = false;
const quit = (): void => {
  stopping = true;
  process.exit(0);
};
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
process.on('disconnect', quit);

async function main(): Promise<void> {
  for (let first = true; !stopping; first = false) {
    const node = await ScriptedNode.connect(certsDir as string, Number(port), name as string, { stopReading: 'bulk', capabilities: { modelKinds: [], secureAggregation: false, privacy: false } });
    if (first) process.send?.({ type: 'connected', name });
    let connected = true;
    const ended = node.ended.finally(() => (connected = false));
    void (async () => {
      while (connected) {
        const { task } = await node.nextTask('TASK_KIND_TRAIN', false);
        if (connected) await node.bulk.write(fetchFrame(task.modelVersion)).catch(() => undefined);
      }
    })();
    await ended;
    node.close();
    process.send?.({ type: 'dropped' });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`stuck-node-process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
