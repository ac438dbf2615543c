/** The privacy-budget report for auditors, as JSON, terminal text or one printable HTML file. Pure, no I/O. */
export { budgetReportJson } from './json.js';
export type { BudgetReportJson, BudgetReportJsonRound } from './json.js';
export { budgetReportText } from './text.js';
export { budgetReportHtml } from './html.js';
export { epsilonChartSvg } from './chart.js';
export { checkReportInput, summarise } from './input.js';
export type { BudgetChange, BudgetReportInput, BudgetStatus, BudgetSummary, LedgerRow, NextRound, ReleaseWithoutPrivacy } from './input.js';
