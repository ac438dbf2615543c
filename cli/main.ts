/** The `cohort` command line: builds the program, runs one command, maps errors to exit codes. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help, type Option } from 'commander';
import { systemClock } from '../shared/clock.js';
import { CohortError, ExitCode } from '../shared/errors.js';
import type { CliIo } from './io.js';
import { COMMANDS } from './commands/index.js';
import { quietGrpcLogs } from './logging.js';

/** The package version, as `cohort --version` prints it. */
export function cohortVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** Help marks the options a command cannot run without; subcommands inherit this. */
function optionDescription(this: Help, option: Option): string {
  const text = Help.prototype.optionDescription.call(this, option);
  return option.mandatory ? `${text} (required)` : text;
}

/** Build the commander program with every command registered against `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('cohort')
    .description('Federated learning across hospitals and devices: coordinator, node daemons, operator tools')
    .version(`cohort ${cohortVersion()}`, '--version', 'print the version and exit')
    .configureHelp({ optionDescription })
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  for (const register of COMMANDS) register(program, io);
  program.commands.forEach(function override(cmd: Command): void {
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    cmd.commands.forEach(override);
  });
  return program;
}

/** Run the CLI with `argv` (without node and script) and return the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit through here with code 0; everything else is bad usage.
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    const e = CohortError.from(err);
    io.err(`cohort: ${e.message}\n`);
    if (e.code === 'internal' && e.cause instanceof Error && e.cause.stack) io.err(`${e.cause.stack}\n`);
    return e.exitCode;
  }
}

/** Entry point used by bin/cohort.js: real stdio, real clock, signals wired to an AbortSignal. */
export async function main(argv: string[]): Promise<number> {
  quietGrpcLogs();
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) process.exit(130);
    controller.abort(new CohortError('cancelled', `received ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CliIo = {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    isTty: process.stdout.isTTY === true,
    clock: systemClock,
    shutdown: controller.signal,
  };
  const code = await runCli(argv, io);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return code;
}
