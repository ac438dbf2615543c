/** Mocha root setup: the same warning filter as bin/cohort.js (grpc-js's DEP0123 on IP targets). */
process.removeAllListeners('warning');
process.on('warning', (w: Error & { code?: string }) => {
  if (w.code !== 'DEP0123') process.stderr.write(`${w.name}: ${w.message}\n`);
});
