#!/usr/bin/env -S node --initial-heap-size=64
// --initial-heap-size: the coordinator reads every update in 16 KiB TLS records, each a new
// ArrayBuffer, and from V8's default small starting heap that garbage set off a full
// mark-compact seven or eight times a round (50 in 6 rounds at 50 nodes, d = 1M); from a
// 64 MB starting heap, 5 in 6 rounds, and the coordinator's CPU per round fell by about a
// fifth (README "Performance"). Heap sizing only takes effect at start, hence here.
// grpc-js passes the target host as TLS ServerName even when it is an IP address, which
// Node flags as DEP0123 on every connection; the certificate is still checked against the
// IP SAN, so this one warning is noise for operators. Every other warning is printed.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.code !== 'DEP0123') process.stderr.write(`${w.name}: ${w.message}\n`);
});

const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
