/** `cohort budget report`: the privacy budget and ledger, for auditors and operators. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { budgetReportHtml, budgetReportJson, budgetReportText, type BudgetReportInput } from '../../shared/dp/report/index.js';
import { CohortError } from '../../shared/errors.js';
import type { BudgetReportReply__Output } from '../../shared/wire/generated/cohort/v1/BudgetReportReply.js';
import { type AdminArgs, adminOptions, unaryCall } from '../admin-client.js';
import { type CliIo, printJson } from '../io.js';
import { usage } from '../options.js';

const FORMATS = ['text', 'json', 'html'] as const;

interface ReportArgs extends AdminArgs {
  format: string;
  out?: string;
}

/** The report's input from the coordinator's reply. */
export function reportInput(r: BudgetReportReply__Output, coordinator: string): BudgetReportInput {
  if (!r.hasBudget) {
    const spent = r.entries.length > 0 ? r.entries[r.entries.length - 1]?.epsilonAfter : 0;
    throw new CohortError('failed_precondition', `the coordinator at ${coordinator} runs without a privacy budget (start it with --epsilon-budget); ${r.entries.length} private round(s), ε spent ${spent}`);
  }
  return {
    budget: { epsilon: r.budgetEpsilon, delta: r.delta },
    rows: r.entries.map((e) => ({
      round: e.round,
      time: e.timeMs,
      sampleRate: e.sampleRate,
      noiseMultiplier: e.noiseMultiplier,
      clipNorm: e.clipNorm,
      minSurvivors: e.minSurvivors,
      survivors: e.survivors,
      epsilonAfter: e.epsilonAfter,
      delta: e.delta,
      accountant: e.accountant === 'pld' ? 'pld' : 'rdp',
      hash: e.hash,
      noise: e.noise === 'central' ? 'central' : 'distributed',
    })),
    ledgerHash: r.ledgerHash,
    ledgerVerified: r.ledgerVerified,
    generatedAt: r.generatedAtMs,
    accountant: r.accountant === 'pld' ? 'pld' : 'rdp',
    federation: coordinator,
  };
}

/** Register `cohort budget`. */
export function register(program: Command, io: CliIo): void {
  const budget = program.command('budget').description('privacy budget: what has been spent, round by round');
  adminOptions(
    budget
      .command('report')
      .description('auditor/operator: the privacy budget report (text, JSON, or one self-contained HTML page)')
      .option('--format <format>', 'text, json or html', 'text')
      .option('--out <file>', 'write the report to FILE instead of standard output'),
  ).action(async (args: ReportArgs) => {
    if (!(FORMATS as readonly string[]).includes(args.format)) throw usage(`--format must be one of ${FORMATS.join(', ')}, got "${args.format}"`);
    const reply = await unaryCall<BudgetReportReply__Output>(args, (c, deadline, cb) => c.BudgetReport({}, { deadline }, cb), io.clock.now());
    const input = reportInput(reply, args.coordinator);
    if (!reply.durable) io.err('warning: the coordinator keeps no data dir: this ledger lives only in its memory\n');
    if (!reply.ledgerVerified && reply.durable) io.err('WARNING: the ledger hash chain did not verify: entries may have been altered\n');
    if (args.format === 'json' && !args.out) {
      printJson(io, budgetReportJson(input));
      return;
    }
    const text = args.format === 'json' ? `${JSON.stringify(budgetReportJson(input), null, 2)}\n` : args.format === 'html' ? budgetReportHtml(input) : budgetReportText(input);
    if (args.out) {
      writeFileSync(args.out, text);
      io.out(`budget report (${args.format}) written to ${args.out}\n`);
    } else {
      io.out(text);
    }
  });
}
