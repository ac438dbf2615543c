/** `cohort budget report` and `cohort budget set`: the privacy budget and ledger, for auditors and operators. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { budgetReportHtml, budgetReportJson, budgetReportText, type BudgetReportInput } from '../../shared/dp/report/index.js';
import type { BudgetChange, LedgerRow, ReleaseWithoutPrivacy } from '../../shared/dp/report/input.js';
import type { BudgetReportReply__Output } from '../../shared/wire/generated/cohort/v1/BudgetReportReply.js';
import type { LedgerEntry__Output } from '../../shared/wire/generated/cohort/v1/LedgerEntry.js';
import type { SetBudgetReply__Output } from '../../shared/wire/generated/cohort/v1/SetBudgetReply.js';
import { type AdminArgs, adminOptions, unaryCall } from '../admin-client.js';
import { type CliIo, printJson } from '../io.js';
import { numberOption, usage } from '../options.js';

const FORMATS = ['text', 'json', 'html'] as const;

interface ReportArgs extends AdminArgs {
  format: string;
  json?: boolean;
  out?: string;
}

interface SetArgs extends AdminArgs {
  epsilon?: number;
  remove?: boolean;
  delta?: number;
  reason?: string;
  json?: boolean;
}

function privateRow(e: LedgerEntry__Output): LedgerRow {
  return {
    round: Number(e.round),
    time: Number(e.timeMs),
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
    ...(e.hasSecureAggregation ? { secureAggregation: e.secureAggregation } : {}),
    ...(e.hasEpsilonUnamplifiedAfter ? { epsilonUnamplifiedAfter: e.epsilonUnamplifiedAfter } : {}),
    ...(e.modelSha256 ? { modelSha256: e.modelSha256 } : {}),
    ...(e.manifestSha256 ? { manifestSha256: e.manifestSha256 } : {}),
  };
}

function budgetChange(e: LedgerEntry__Output): BudgetChange {
  return { time: Number(e.timeMs), epsilon: e.hasBudgetEpsilon ? e.budgetEpsilon : null, delta: e.delta, operator: e.operator === '' ? null : e.operator, reason: e.reason, hash: e.hash };
}

/** The report's input from the coordinator's reply: every released model, private or not, and every budget change. */
export function reportInput(r: BudgetReportReply__Output, coordinator: string): BudgetReportInput {
  // An entry of an older coordinator has no kind: it is a private round.
  const kind = (e: LedgerEntry__Output): string => e.kind || 'round';
  const releases: ReleaseWithoutPrivacy[] = [
    ...r.entries
      .filter((e) => kind(e) === 'round' && e.noise === 'none')
      .map((e) => ({
        round: Number(e.round),
        time: Number(e.timeMs),
        sampleRate: e.sampleRate,
        survivors: e.survivors,
        ...(e.hasSecureAggregation ? { secureAggregation: e.secureAggregation } : {}),
        ...(e.modelSha256 ? { modelSha256: e.modelSha256 } : {}),
        ...(e.manifestSha256 ? { manifestSha256: e.manifestSha256 } : {}),
        hash: e.hash,
        recorded: true,
      })),
    ...r.unrecorded.map((u) => ({ round: Number(u.round), time: Number(u.timeMs), survivors: u.participants, hash: '', recorded: false })),
  ];
  return {
    budget: { epsilon: r.hasBudget ? r.budgetEpsilon : null, delta: r.delta },
    rows: r.entries.filter((e) => kind(e) === 'round' && e.noise !== 'none').map(privateRow),
    releasesWithoutPrivacy: releases,
    budgetChanges: r.entries.filter((e) => kind(e) === 'budget').map(budgetChange),
    ledgerHash: r.ledgerHash,
    ledgerVerified: r.ledgerVerified,
    generatedAt: Number(r.generatedAtMs),
    accountant: r.accountant === 'pld' ? 'pld' : 'rdp',
    federation: coordinator,
  };
}

/** Register `cohort budget`. */
export function register(program: Command, io: CliIo): void {
  const budget = program.command('budget').description('privacy budget: what has been spent, round by round, and audited changes');
  adminOptions(
    budget
      .command('report')
      .description('auditor/operator: the privacy budget report (text, JSON, or one self-contained HTML page); says so plainly when there is no budget')
      .option('--format <format>', 'text, json or html', 'text')
      .option('--json', 'the same as --format json: print one JSON object')
      .option('--out <file>', 'write the report to FILE instead of standard output'),
  ).action(async (args: ReportArgs) => {
    if (!(FORMATS as readonly string[]).includes(args.format)) throw usage(`--format must be one of ${FORMATS.join(', ')}, got "${args.format}"`);
    if (args.json && args.format !== 'text' && args.format !== 'json') throw usage(`--json and --format ${args.format} contradict each other`);
    const format = args.json ? 'json' : args.format;
    const reply = await unaryCall<BudgetReportReply__Output>(args, (c, deadline, cb) => c.BudgetReport({}, { deadline }, cb), io.clock.now());
    const input = reportInput(reply, args.coordinator);
    if (!reply.durable) io.err('warning: the coordinator keeps no data dir: this ledger lives only in its memory\n');
    if (!reply.ledgerVerified && reply.durable) io.err('WARNING: the ledger hash chain did not verify: entries may have been altered\n');
    if (format === 'json' && !args.out) {
      printJson(io, budgetReportJson(input));
      return;
    }
    const text = format === 'json' ? `${JSON.stringify(budgetReportJson(input), null, 2)}\n` : format === 'html' ? budgetReportHtml(input) : budgetReportText(input);
    if (args.out) {
      writeFileSync(args.out, text);
      io.out(`budget report (${format}) written to ${args.out}\n`);
    } else {
      io.out(text);
    }
  });
  adminOptions(
    budget
      .command('set')
      .description('operator: change the privacy budget; the change, your certificate name and the reason go into the ledger and every later report')
      .option('--epsilon <e>', 'the budget ε from now on (> 0)', numberOption('--epsilon', Number.MIN_VALUE, 1e6))
      .option('--remove', 'remove the budget: rounds are accounted but never refused')
      .option('--delta <d>', 'the δ from now on (default: keep the current one)', numberOption('--delta', Number.MIN_VALUE, 0.5))
      .option('--reason <text>', 'why the budget changes (required; recorded in the ledger)')
      .option('--json', 'print one JSON object: {"budget": {"epsilon", "delta"}, "previous": {"epsilon", "delta"}, "spent", "entry"}'),
  ).action(async (args: SetArgs) => {
    if ((args.epsilon === undefined) === (args.remove !== true)) throw usage('give exactly one of --epsilon E (the new budget) or --remove');
    if (args.reason === undefined || args.reason.trim() === '') throw usage('--reason "..." is required: the change is recorded in the ledger with your name and this reason');
    const reply = await unaryCall<SetBudgetReply__Output>(
      args,
      (c, deadline, cb) => c.SetBudget({ epsilon: args.epsilon ?? 0, remove: args.remove === true, delta: args.delta ?? 0, reason: args.reason ?? '' }, { deadline }, cb),
      io.clock.now(),
    );
    const e = reply.entry;
    const now = { epsilon: e?.hasBudgetEpsilon ? e.budgetEpsilon : null, delta: e?.delta ?? 0 };
    const previous = { epsilon: reply.hadBudget ? reply.previousEpsilon : null, delta: reply.previousDelta };
    if (args.json) {
      printJson(io, { budget: now, previous, spent: reply.spentEpsilon, entry: { time: new Date(Number(e?.timeMs ?? 0)).toISOString(), operator: e?.operator ?? '', reason: e?.reason ?? '', hash: e?.hash ?? '' } });
      return;
    }
    const show = (b: { epsilon: number | null; delta: number }): string => `${b.epsilon === null ? 'no budget' : `ε = ${b.epsilon}`}, δ = ${b.delta}`;
    io.out(`privacy budget changed from ${show(previous)} to ${show(now)} (spent so far ε = ${Number(reply.spentEpsilon.toPrecision(4))}); recorded in the ledger${e?.hash ? ` as ${e.hash}` : ''}\n`);
  });
}
