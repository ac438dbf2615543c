/** The warning filter of bin/cohort.js, for bench processes that are not started through it. */

/** Drop grpc-js's DEP0123 (TLS ServerName set to an IP address); print every other warning. */
export function quietIpWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (w: Error & { code?: string }) => {
    if (w.code !== 'DEP0123') process.stderr.write(`${w.name}: ${w.message}\n`);
  });
}
