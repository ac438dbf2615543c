/**
 * `cohort ca …`: create the federation CA, issue, revoke and list certificates, sign the
 * revocation list. Runs on the CA workstation; the coordinator host never holds ca.key.
 */
import type { Command } from 'commander';
import {
  CLIENT_ROLES,
  COORDINATOR_NAME,
  DEFAULT_CA_VALIDITY_DAYS,
  DEFAULT_VALIDITY_DAYS,
  MAX_VALIDITY_DAYS,
  initCa,
  isRole,
  issue,
  listCertificates,
  refreshRevocations,
  revoke,
  splitSans,
  type ListedCertificate,
  type PublishedRevocations,
  type Role,
} from '../../shared/pki/index.js';
import { CohortError } from '../../shared/errors.js';
import { printJson, type CliIo } from '../io.js';
import { intOption, usage } from '../options.js';

const DEFAULT_DIR = 'certs';
/** Names every coordinator certificate covers unless --no-localhost: a node or operator on the coordinator host itself. */
const LOOPBACK_SANS = ['localhost', '127.0.0.1'];
const COORDINATOR_FILES = `ca.crt, ${COORDINATOR_NAME}.crt, ${COORDINATOR_NAME}.key and revocations.json`;

/** Options of `cohort ca init`. */
export interface CaInitArgs {
  dir: string;
  san?: string;
  localhost: boolean;
  days: number;
  caDays: number;
  json?: boolean;
}

/** Options of `cohort ca issue NAME`. */
export interface CaIssueArgs {
  role: string;
  dir: string;
  days: number;
  san?: string;
  localhost: boolean;
  json?: boolean;
}

/** Options of `cohort ca crl`. */
export interface CaCrlArgs {
  dir: string;
  days?: number;
  json?: boolean;
}

/** Options of `cohort ca revoke NAME` and `cohort ca list`. */
export interface CaDirArgs {
  dir: string;
  json?: boolean;
}

/** Register `cohort ca` and its subcommands. */
export function register(program: Command, io: CliIo): void {
  const ca = program.command('ca').description('federation certificate authority: create it, issue, revoke and list certificates');
  const days = intOption('--days', 1, MAX_VALIDITY_DAYS);

  ca.command('init')
    .description("create the federation CA (ca.crt, ca.key), the coordinator's server certificate and the signed revocation list")
    .option('--dir <dir>', 'CA directory (on the CA workstation; ca.key never goes to the coordinator host)', DEFAULT_DIR)
    .option('--san <list>', `the coordinator's host names and IP addresses, comma-separated (${LOOPBACK_SANS.join(' and ')} are added)`)
    .option('--no-localhost', `do not add ${LOOPBACK_SANS.join(' and ')} to the coordinator's names`)
    .option('--days <n>', "validity of the coordinator's certificate in days", days, DEFAULT_VALIDITY_DAYS)
    .option('--ca-days <n>', 'validity of the CA certificate in days', intOption('--ca-days', 1, MAX_VALIDITY_DAYS), DEFAULT_CA_VALIDITY_DAYS)
    .option('--json', 'print one JSON object')
    .action((opts: CaInitArgs) => caInit(opts, io));

  ca.command('issue')
    .description('issue NAME.crt and NAME.key (mode 0600); issuing again rotates the key and revokes the certificate it replaces')
    .argument('<name>', `holder name: a-z, 0-9, ".", "_", "-" (or "${COORDINATOR_NAME}" with --role coordinator)`)
    .requiredOption('--role <role>', `one of ${CLIENT_ROLES.join(', ')} (coordinator: renew the coordinator's certificate)`)
    .option('--dir <dir>', 'CA directory', DEFAULT_DIR)
    .option('--days <n>', 'validity in days', days, DEFAULT_VALIDITY_DAYS)
    .option('--san <list>', `the coordinator's host names and IPs (${LOOPBACK_SANS.join(' and ')} are added); only with ${COORDINATOR_NAME} --role coordinator`)
    .option('--no-localhost', `coordinator only: do not add ${LOOPBACK_SANS.join(' and ')}`)
    .option('--json', 'print one JSON object')
    .action((name: string, opts: CaIssueArgs) => caIssue(name, opts, io));

  ca.command('revoke')
    .description('revoke every certificate issued so far to NAME and sign a new revocation list for the coordinator and the nodes')
    .argument('<name>', 'holder name')
    .option('--dir <dir>', 'CA directory', DEFAULT_DIR)
    .option('--json', 'print one JSON object')
    .action((name: string, opts: CaDirArgs) => caRevoke(name, opts, io));

  ca.command('crl')
    .description('sign a fresh revocation list (the next number, a new expiry); nodes refuse secure rounds once the newest list they have seen expires')
    .option('--dir <dir>', 'CA directory', DEFAULT_DIR)
    .option('--days <n>', 'validity of the list in days (default: as long as the current one)', intOption('--days', 1, 3650))
    .option('--json', 'print one JSON object')
    .action((opts: CaCrlArgs) => caCrl(opts, io));

  ca.command('list')
    .description('list every certificate issued, with its status')
    .option('--dir <dir>', 'CA directory', DEFAULT_DIR)
    .option('--json', 'print one JSON object')
    .action((opts: CaDirArgs) => caList(opts, io));
}

/** The names of a coordinator certificate: those asked for, then the loopback names unless refused. */
export function coordinatorSans(san: string | undefined, localhost: boolean): string[] {
  const names = [...splitSans(san ?? ''), ...(localhost ? LOOPBACK_SANS : [])];
  const sans = [...new Set(names.map((n) => n.toLowerCase()))];
  if (sans.length === 0) throw usage('--no-localhost needs --san with at least one host name or IP address, e.g. --san coordinator.example.org');
  return sans;
}

/** `cohort ca init`. */
export function caInit(args: CaInitArgs, io: CliIo): void {
  const sans = coordinatorSans(args.san, args.localhost);
  let r: ReturnType<typeof initCa>;
  try {
    r = initCa(args.dir, { sans, now: new Date(io.clock.now()), validityDays: args.days, caValidityDays: args.caDays });
  } catch (err) {
    // An existing CA in --dir is the user's choice of directory: bad usage, nothing was touched.
    if (err instanceof CohortError && err.code === 'already_exists') throw usage(err.message);
    throw err;
  }
  for (const w of r.warnings) io.err(`warning: ${w}\n`);
  const c = r.coordinator;
  if (args.json) {
    printJson(io, {
      ca: { cert: r.caCertPath, key: r.caKeyPath, serial: r.caSerial, notAfter: r.caNotAfter.toISOString() },
      coordinator: { cert: c.certPath, key: c.keyPath, serial: c.serial, notAfter: c.notAfter.toISOString(), sans },
      revocations: revocationsJson(r.revocations),
    });
    return;
  }
  io.out(
    `created federation CA: ${r.caCertPath}, ${r.caKeyPath} (mode 0600; keep ca.key on this workstation, never on the coordinator host), valid until ${day(r.caNotAfter)}\n` +
      `issued coordinator certificate for ${sans.join(', ')}: ${c.certPath}, ${c.keyPath} (mode 0600), valid until ${day(c.notAfter)}\n` +
      `signed revocation list #${r.revocations.number}: ${r.revocations.path}, valid until ${day(r.revocations.nextUpdate)}\n` +
      `copy ${COORDINATOR_FILES} from ${args.dir} to the coordinator's certs dir\n`,
  );
}

/** `cohort ca issue NAME`. */
export function caIssue(name: string, args: CaIssueArgs, io: CliIo): void {
  const role = parseRole(args.role, name);
  let sans: string[] | undefined;
  if (args.san !== undefined) {
    if (role !== 'coordinator') throw usage(`--san applies only to the coordinator's certificate, not to --role ${role}`);
    sans = splitSans(args.san);
  }
  if (role === 'coordinator') {
    if (args.san === undefined) throw usage(`renewing the coordinator certificate needs --san with its host names, e.g. --san coordinator.example.org (${LOOPBACK_SANS.join(' and ')} are added)`);
    sans = coordinatorSans(args.san, args.localhost);
  } else if (!args.localhost) {
    throw usage(`--no-localhost applies only to the coordinator's certificate, not to --role ${role}`);
  }
  const r = issue(args.dir, name, role, { now: new Date(io.clock.now()), validityDays: args.days, ...(sans ? { sans } : {}) });
  if (args.json) {
    printJson(io, {
      name: r.name,
      role: r.role,
      serial: r.serial,
      notBefore: r.notBefore.toISOString(),
      notAfter: r.notAfter.toISOString(),
      cert: r.certPath,
      key: r.keyPath,
      ...(sans ? { sans } : {}),
      replacedSerials: r.replacedSerials,
      ...(r.revocations ? { revocations: revocationsJson(r.revocations) } : {}),
    });
    return;
  }
  io.out(
    `issued ${r.role} certificate for "${r.name}"${sans ? ` for ${sans.join(', ')}` : ''}: ${r.certPath}, ${r.keyPath} (mode 0600), serial ${r.serial}, valid until ${day(r.notAfter)}\n`,
  );
  if (r.revocations && r.replacedSerials.length > 0) {
    const n = r.replacedSerials.length;
    io.out(
      `the certificate${n === 1 ? '' : 's'} it replaces (serial ${r.replacedSerials.join(', ')}) ${n === 1 ? 'is' : 'are'} revoked in revocation list #${r.revocations.number} (${r.revocations.path}): ` +
        `install the new certificate${role === 'coordinator' ? ' on the coordinator' : ` at "${r.name}"`} first, then copy revocations.json to the coordinator's certs dir\n`,
    );
  } else if (r.revocations) {
    io.out(`signed revocation list #${r.revocations.number}: ${r.revocations.path}; copy it to the coordinator's certs dir\n`);
  }
}

/** `cohort ca revoke NAME`. */
export function caRevoke(name: string, args: CaDirArgs, io: CliIo): void {
  const r = revoke(args.dir, name, { now: new Date(io.clock.now()) });
  if (args.json) {
    printJson(io, { name: r.name, revokedSerials: r.revokedSerials, alreadyRevoked: r.alreadyRevoked, ...(r.revocations ? { revocations: revocationsJson(r.revocations) } : {}) });
    return;
  }
  const n = r.revokedSerials.length;
  if (n === 0 || !r.revocations) {
    io.out(`"${r.name}" was already revoked; nothing changed\n`);
    return;
  }
  io.out(
    `revoked "${r.name}": ${n} certificate${n === 1 ? '' : 's'} (serial ${r.revokedSerials.join(', ')}) in revocation list #${r.revocations.number}: ${r.revocations.path}\n` +
      `copy it to the coordinator's certs dir: the coordinator picks it up within a second, and nodes check it for themselves\n`,
  );
}

/** `cohort ca crl`. */
export function caCrl(args: CaCrlArgs, io: CliIo): void {
  const r = refreshRevocations(args.dir, { now: new Date(io.clock.now()), ...(args.days !== undefined ? { days: args.days } : {}) });
  if (args.json) {
    printJson(io, revocationsJson(r));
    return;
  }
  io.out(
    `signed revocation list #${r.number} (${r.entries} certificate${r.entries === 1 ? '' : 's'}): ${r.path}, valid until ${r.nextUpdate.toISOString()}\n` +
      `copy it to the coordinator's certs dir before then; nodes refuse secure rounds once their newest list has expired\n`,
  );
}

function revocationsJson(r: PublishedRevocations): { path: string; number: number; nextUpdate: string; entries: number } {
  return { path: r.path, number: r.number, nextUpdate: r.nextUpdate.toISOString(), entries: r.entries };
}

/** `cohort ca list`. */
export function caList(args: CaDirArgs, io: CliIo): void {
  const now = io.clock.now();
  const rows = listCertificates(args.dir).map((c) => ({ ...c, status: status(c, now) }));
  if (args.json) {
    printJson(io, {
      certificates: rows.map((c) => ({
        name: c.name,
        role: c.role,
        serial: c.serial,
        notBefore: c.notBefore,
        notAfter: c.notAfter,
        issuedAt: c.issuedAt,
        revoked: c.revoked,
        expired: Date.parse(c.notAfter) < now,
        current: c.current,
      })),
    });
    return;
  }
  const header = ['NAME', 'ROLE', 'SERIAL', 'NOT AFTER', 'STATUS'];
  const table = [header, ...rows.map((c) => [c.name, c.role, c.serial, c.notAfter, c.status])];
  const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  for (const row of table) {
    io.out(`${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`);
  }
}

function parseRole(value: string, name: string): Role {
  if (isRole(value) && (value !== 'coordinator' || name === COORDINATOR_NAME)) return value;
  throw usage(`--role must be one of ${CLIENT_ROLES.join(', ')}, got "${value}"`);
}

// Revoked outranks expired, which outranks replaced: the strongest reason a certificate is unusable.
function status(c: ListedCertificate, now: number): string {
  if (c.revoked) return 'revoked';
  if (Date.parse(c.notAfter) < now) return 'expired';
  if (!c.current) return 'replaced';
  return 'valid';
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}
