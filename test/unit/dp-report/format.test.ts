import assert from 'node:assert/strict';
import {
  escapeControls,
  escapeHtml,
  formatDelta,
  formatEpsilon,
  formatEpsilonFixed,
  formatPercent,
  prettyScientific,
  utcTime,
} from '../../../shared/dp/report/format.js';

describe('dp-report/format', function () {
  it('formats ε to 4 significant digits, in exponent form when tiny', function () {
    assert.equal(formatEpsilon(0), '0');
    assert.equal(formatEpsilon(8), '8');
    assert.equal(formatEpsilon(6.348075), '6.348');
    assert.equal(formatEpsilon(0.11346), '0.1135');
    assert.equal(formatEpsilon(12.3456), '12.35');
    assert.equal(formatEpsilon(0.00012346), '1.235e-4');
    assert.equal(formatEpsilon(2e-7), '2e-7');
    assert.equal(formatEpsilonFixed(5.09), '5.090');
    assert.equal(formatEpsilonFixed(10), '10.00');
    assert.equal(formatEpsilonFixed(0.00012346), '1.235e-4');
  });

  it('formats δ in scientific notation', function () {
    assert.equal(formatDelta(1e-5), '1e-5');
    assert.equal(formatDelta(2.5e-6), '2.5e-6');
    assert.equal(formatDelta(1 / 3 / 1000), '3.33e-4');
    assert.equal(prettyScientific('1e-5'), '10⁻⁵');
    assert.equal(prettyScientific('2.5e-6'), '2.5 × 10⁻⁶');
    assert.equal(prettyScientific('6.348'), '6.348');
  });

  it('never shows a share under 100% as 100%', function () {
    assert.equal(formatPercent(0), '0.0%');
    assert.equal(formatPercent(0.0004), '<0.1%');
    assert.equal(formatPercent(0.7935), '79.3%');
    assert.equal(formatPercent(0.99999), '99.9%');
    assert.equal(formatPercent(1), '100.0%');
    assert.equal(formatPercent(1.75), '175.0%');
  });

  it('prints times in UTC', function () {
    assert.equal(utcTime(Date.UTC(2025, 0, 2, 3, 4, 5, 678)), '2025-01-02 03:04:05 UTC');
  });

  it('escapes HTML specials', function () {
    assert.equal(escapeHtml(`<a href="x" title='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });

  it('makes control characters and bidi overrides visible', function () {
    assert.equal(escapeControls('a\u001b[2Jb\u0007\u009b\u202e\u2066c\n'), 'a\\u001b[2Jb\\u0007\\u009b\\u202e\\u2066c\\u000a');
    assert.equal(escapeControls('Hôpital Saint-Éloi — ε'), 'Hôpital Saint-Éloi — ε');
  });
});
