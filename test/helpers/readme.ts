/**
 * README walk-throughs run as tests: the commands a reader copies are extracted from
 * the README's own text and executed, so the README cannot drift from the code.
 *
 * Marking a walk-through in a Markdown file. Put an HTML comment (invisible on GitHub)
 * on the line right before a fenced code block:
 *
 *   <!-- walkthrough NAME run -->            every command in the block runs to completion
 *                                            and must exit 0 (`exit=N` for another code)
 *   <!-- walkthrough NAME start until="RE" -->
 *                                            every command starts in the background (a
 *                                            coordinator, a node daemon); the run goes on
 *                                            once its stderr or stdout matches the regular
 *                                            expression RE, and the process is stopped
 *                                            (SIGTERM) when the walk-through ends
 *   <!-- walkthrough NAME output -->         the block is what the previous one-shot
 *                                            command prints on stdout; numbers may differ
 *                                            (every run of digits is compared as "#")
 *   <!-- walkthrough NAME file=PATH -->      the block is the content of PATH (relative to
 *                                            the repository root), e.g. a config file shown
 *   <!-- walkthrough NAME python -->         the block is a Python script; it runs with the
 *                                            walk-through's `python3` and must exit 0
 *
 * NAME groups the blocks of one walk-through (letters, digits, "-"); its blocks run in
 * the order they appear. Inside a block: one command per line, `\` continues a line,
 * `#` starts a comment, '...' and "..." quote. `export NAME=VALUE` sets a variable for
 * the commands after it, `NAME=VALUE command` for that command only; `$PWD` (the working
 * directory) is the one expansion. Anything else that needs a shell (`$`, `|`, `>`, `<`,
 * `&`, `;`, backquotes) is refused with the README line, so a walk-through stays a list
 * of plain commands. `npx cohort ARGS` runs `node bin/cohort.js ARGS` of this checkout
 * (what npx resolves it to after `npm ci`); other programs run as they are.
 *
 * Running one: `new Walkthrough(readme, NAME, { ports: [7443], links: ['examples'] })`,
 * then `await w.run()` and `await w.stop()` in an `after` hook. Commands run in a fresh
 * temporary directory that stands in for the checkout: `links` are symlinked into it
 * from the repository. A port the README fixes (`ports`) is replaced, in every command,
 * by a free port of this machine (so tests can run side by side); `w.substitutions`
 * says which, for the test's output. `w.result(/round launch/)` finds a command's result.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Background, COHORT_BIN, type Finished, freePortPair, ProcessGroup, run } from './processes.js';

/** The repository root (this checkout). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What a marked block asks for. */
export type StepKind = 'run' | 'start' | 'output' | 'file' | 'python';

/** One marked block of a walk-through. */
export interface Step {
  readonly kind: StepKind;
  /** 1-based line of the marker in the Markdown file. */
  readonly line: number;
  /** The block's text, as written. */
  readonly text: string;
  /** run/start: the commands, one per logical line, comments removed. */
  readonly commands: readonly Command[];
  /** run: the exit code each command must end with. */
  readonly exit?: number;
  /** start: what each command prints once it is ready. */
  readonly until?: RegExp;
  /** file: the path (from the repository root) whose content the block shows. */
  readonly file?: string;
}

/** One command of a block. */
export interface Command {
  /** As written (continuations joined, comment removed). */
  readonly text: string;
  readonly words: readonly string[];
  /** Line of the command in the Markdown file. */
  readonly line: number;
}

const MARKER = /^<!--\s*walkthrough\s+([a-z0-9-]+)\s+(run|start|output|python|file=\S+)((?:\s+[a-z]+=(?:"[^"]*"|\S+))*)\s*-->\s*$/;
const SHELL_ONLY = /[$|><&;`]/;
/** `$PWD`, the one expansion: replaced by this marker while parsing, by the directory when run. */
const PWD = '\u0000PWD\u0000';
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/** Split one command line into words: plain words, '...' and "..." quoted; refuses shell syntax. */
export function words(text: string, where: string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`${where}: unterminated ${c} quote in: ${text}`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
    } else if (c === '$' && text.startsWith('$PWD', i) && !/[A-Za-z0-9_]/.test(text[i + 4] ?? '')) {
      word += PWD;
      inWord = true;
      i += 3;
    } else {
      if (SHELL_ONLY.test(c)) throw new Error(`${where}: "${c}" needs a shell; a walk-through command must be a plain command: ${text}`);
      word += c;
      inWord = true;
    }
  }
  if (inWord) out.push(word);
  return out;
}

/** The commands of a block: `\` continuations joined, `#` comments (outside quotes) and blank lines dropped. */
function commandsOf(body: string, firstLine: number): Command[] {
  const lines = body.split('\n');
  const out: Command[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = firstLine + i;
    let text = lines[i] as string;
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i] as string}`;
    text = stripComment(text).trim();
    if (text === '') continue;
    out.push({ text, words: words(text, `README line ${line}`), line });
  }
  return out;
}

function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) return text.slice(0, i);
  }
  return text;
}

function attributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/([a-z]+)=("([^"]*)"|\S+)/g)) out.set(m[1] as string, m[3] ?? (m[2] as string));
  return out;
}

/** The marked blocks of walk-through `name` in `markdown`, in order. */
export function readWalkthrough(markdown: string, name: string): Step[] {
  const lines = markdown.split('\n');
  const steps: Step[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec((lines[i] as string).trim());
    if (!m || m[1] !== name) continue;
    const fence = /^(```+|~~~+)/.exec(lines[i + 1] ?? '');
    if (!fence) throw new Error(`README line ${i + 1}: a walkthrough marker must be followed by a fenced code block`);
    const close = lines.findIndex((l, j) => j > i + 1 && l.startsWith(fence[1] as string));
    if (close < 0) throw new Error(`README line ${i + 2}: the code block is not closed`);
    const text = lines.slice(i + 2, close).join('\n');
    const mode = m[2] as string;
    const attrs = attributes(m[3] ?? '');
    const line = i + 1;
    if (mode === 'run') {
      const exit = attrs.get('exit');
      steps.push({ kind: 'run', line, text, commands: commandsOf(text, i + 3), ...(exit !== undefined ? { exit: Number(exit) } : {}) });
    } else if (mode === 'start') {
      const until = attrs.get('until');
      if (until === undefined) throw new Error(`README line ${line}: a start block needs until="PATTERN" (what the process prints once ready)`);
      steps.push({ kind: 'start', line, text, commands: commandsOf(text, i + 3), until: new RegExp(until) });
    } else if (mode === 'output') {
      steps.push({ kind: 'output', line, text, commands: [] });
    } else if (mode === 'python') {
      steps.push({ kind: 'python', line, text, commands: [] });
    } else {
      steps.push({ kind: 'file', line, text, commands: [], file: mode.slice('file='.length) });
    }
    i = close;
  }
  if (steps.length === 0) throw new Error(`no block of walkthrough "${name}" is marked`);
  return steps;
}

/** Text compared with digits blurred: "accuracy 0.7889" and "accuracy 0.8012" are the same shape. */
export function shape(text: string): string {
  return text.replace(/\d+/g, '#').trimEnd();
}


/** What one command did. */
export interface CommandResult extends Finished {
  readonly command: Command;
  /** The words actually run, after port substitution. */
  readonly argv: readonly string[];
}

/** Options of a walk-through run. */
export interface WalkthroughOptions {
  /** Ports the README fixes; each is replaced by a free port in every command. */
  readonly ports?: readonly number[];
  /** Paths of the repository to symlink into the working directory (e.g. "examples"). */
  readonly links?: readonly string[];
  /** The environment commands start from (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

/** One walk-through of a Markdown file, run step by step in a temporary directory. */
export class Walkthrough {
  readonly steps: readonly Step[];
  readonly results: CommandResult[] = [];
  /** README port → the port used instead. */
  readonly substitutions = new Map<number, number>();
  readonly cwd: string;
  private readonly group = new ProcessGroup();
  private readonly background: Array<{ command: Command; process: Background }> = [];
  /** The variables `export` lines set so far, on top of `opts.env`. */
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    markdown: string,
    readonly name: string,
    private readonly opts: WalkthroughOptions = {},
  ) {
    this.steps = readWalkthrough(markdown, name);
    this.cwd = mkdtempSync(join(tmpdir(), `cohort-walkthrough-${name}-`));
    this.env = { ...(opts.env ?? process.env) };
    for (const path of opts.links ?? []) symlinkSync(join(REPO_ROOT, path), join(this.cwd, path));
  }

  /** Run every step in order; throws at the first command that does not do what its block says. */
  async run(): Promise<void> {
    // The README's coordinators take the default bulk port, --port + 1: both must be free.
    for (const port of this.opts.ports ?? []) this.substitutions.set(port, await freePortPair());
    for (const step of this.steps) await this.step(step);
  }

  /** The result of the one-shot command whose text matches `pattern` (the last such). */
  result(pattern: RegExp): CommandResult {
    const found = this.results.filter((r) => pattern.test(r.command.text)).at(-1);
    assert.ok(found, `no command of walkthrough ${this.name} matches ${pattern}`);
    return found;
  }

  /** The background process started by the command whose text matches `pattern`. */
  process(pattern: RegExp): Background {
    const found = this.background.find((b) => pattern.test(b.command.text));
    assert.ok(found, `no background command of walkthrough ${this.name} matches ${pattern}`);
    return found.process;
  }

  /** Stop the background processes (SIGTERM) and remove the working directory; resolves with how they ended. */
  async stop(): Promise<Array<{ command: string; finished: Finished }>> {
    const finished = await this.group.stopAll();
    rmSync(this.cwd, { recursive: true, force: true });
    return this.background.map((b, i) => ({ command: b.command.text, finished: finished[i] as Finished }));
  }

  /**
   * What a command runs: leading `NAME=VALUE` words become its environment, `$PWD` the
   * working directory, fixed ports free ones. `export NAME=VALUE` has no program: it sets
   * NAME for the commands after it.
   */
  private argv(command: Command): { program: string; args: string[]; env: NodeJS.ProcessEnv } | undefined {
    const ws = command.words.map((w) => {
      let out = w.replaceAll(PWD, this.cwd);
      for (const [from, to] of this.substitutions) out = out.replace(new RegExp(`(?<![0-9])${from}(?![0-9])`, 'g'), String(to));
      return out;
    });
    if (ws[0] === 'export') {
      for (const w of ws.slice(1)) {
        const m = ASSIGNMENT.exec(w);
        assert.ok(m, `README line ${command.line}: export takes NAME=VALUE, got ${w}`);
        this.env[m[1] as string] = m[2] as string;
      }
      return undefined;
    }
    const env = { ...this.env };
    while (ws.length > 0 && ASSIGNMENT.test(ws[0] as string)) {
      const m = ASSIGNMENT.exec(ws.shift() as string) as RegExpExecArray;
      env[m[1] as string] = m[2] as string;
    }
    if (ws[0] === 'npx' && ws[1] === 'cohort') return { program: process.execPath, args: [COHORT_BIN, ...ws.slice(2)], env };
    const [program, ...args] = ws;
    assert.ok(program, `README line ${command.line}: empty command`);
    return { program, args, env };
  }

  private async step(step: Step): Promise<void> {
    const where = `walkthrough ${this.name}, README line ${step.line}`;
    if (step.kind === 'file') {
      const actual = readFileSync(join(REPO_ROOT, step.file as string), 'utf8');
      assert.equal(step.text.trimEnd(), actual.trimEnd(), `${where}: the README shows ${step.file} differently from the file`);
    } else if (step.kind === 'output') {
      const last = this.results.at(-1);
      assert.ok(last, `${where}: an output block needs a command before it`);
      assert.equal(shape(last.stdout), shape(step.text), `${where}: "${last.command.text}" printed\n${last.stdout}`);
    } else if (step.kind === 'python') {
      const script = join(this.cwd, `walkthrough-line-${step.line}.py`);
      writeFileSync(script, step.text);
      const command: Command = { text: `python3 (README line ${step.line})`, words: ['python3', script], line: step.line };
      const finished = await run('python3', [script], { cwd: this.cwd, env: this.env });
      this.results.push({ ...finished, command, argv: ['python3', script] });
      assert.equal(finished.code, 0, `${where}: the Python block exited ${finished.code}\n${finished.stderr}${finished.stdout}`);
    } else if (step.kind === 'start') {
      for (const command of step.commands) {
        const started = this.argv(command);
        if (!started) continue;
        const { program, args, env } = started;
        const p = this.group.add(new Background(program, args, { cwd: this.cwd, env }));
        this.background.push({ command, process: p });
        await p.waitFor(step.until as RegExp).catch((err: unknown) => {
          throw new Error(`${where}: "${command.text}" never printed ${step.until}: ${(err as Error).message}`);
        });
      }
    } else {
      for (const command of step.commands) {
        const argv = this.argv(command);
        if (!argv) continue;
        const { program, args, env } = argv;
        const finished = await run(program, args, { cwd: this.cwd, env });
        this.results.push({ ...finished, command, argv: [program, ...args] });
        assert.equal(finished.code, step.exit ?? 0, `${where}: "${command.text}" exited ${finished.code}\n${finished.stderr}${finished.stdout}`);
      }
    }
  }
}
