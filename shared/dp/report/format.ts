/** Number, date and string formatting shared by the text and HTML reports. */

/** ε with 4 significant digits (trailing zeros dropped), exponent form below 0.001 or from 1e6. */
export function formatEpsilon(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e6) return formatScientific(x, 4);
  return String(Number(x.toPrecision(4)));
}

/** ε for a table column: always 4 significant digits ("5.090", "10.00") so that columns line up. */
export function formatEpsilonFixed(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e6) return formatScientific(x, 4);
  return a >= 1e4 ? String(Math.round(x)) : x.toPrecision(4);
}

/** `x` as mantissa·10^exponent text like "1e-5" or "2.5e-6", with at most `digits` significant digits. */
export function formatScientific(x: number, digits = 3): string {
  if (x === 0) return '0';
  const [mantissa = '0', exponent = '0'] = x.toExponential(digits - 1).split('e');
  const m = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return `${m}e${Number(exponent)}`;
}

/** δ in scientific notation, e.g. "1e-5". */
export function formatDelta(x: number): string {
  return formatScientific(x, 3);
}

/** A parameter as given (shortest round-trip form), e.g. q = 0.05. */
export function formatParam(x: number): string {
  return String(x);
}

/** Percentage of the budget: one decimal, "<0.1%" for a tiny non-zero share. */
export function formatPercent(fraction: number): string {
  if (fraction > 0 && fraction < 0.001) return '<0.1%';
  // Never round a share just under 100% up to "100.0%": that would contradict "within budget".
  const tenths = fraction < 1 ? Math.floor(fraction * 1000) : Math.round(fraction * 1000);
  return `${(tenths / 10).toFixed(1)}%`;
}

/** Milliseconds since the epoch as ISO 8601 in UTC. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Milliseconds since the epoch as "YYYY-MM-DD HH:MM:SS UTC". */
export function utcTime(ms: number): string {
  return `${isoTime(ms).slice(0, 19).replace('T', ' ')} UTC`;
}

const SUPERSCRIPT: Readonly<Record<string, string>> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** "2.5e-6" as "2.5 × 10⁻⁶" for display (plain numbers pass through). */
export function prettyScientific(s: string): string {
  const m = /^(-?[\d.]+)e(-?\d+)$/.exec(s);
  if (!m) return s;
  const exp = [...(m[2] as string)].map((c) => SUPERSCRIPT[c] ?? c).join('');
  return m[1] === '1' ? `10${exp}` : `${m[1]} × 10${exp}`;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/**
 * Control characters (C0, C1, DEL) and bidi overrides as visible `\uXXXX` escapes, so that a
 * hostile federation name cannot move the cursor, recolour or clear a terminal, hide text in a
 * page, or reorder the digits of a hash.
 */
export function escapeControls(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
