/** A small HTML tag-balance checker for the report tests (not a parser: enough for our own output). */

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/** The first nesting error in `html`, or undefined when every opened tag is closed in order. */
export function tagBalanceError(html: string): string | undefined {
  const body = html.replace(/<style>[\s\S]*?<\/style>/g, '<style></style>').replace(/<!--[\s\S]*?-->/g, '');
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^<>]*?(\/?)>|<!DOCTYPE html>/g;
  for (const m of body.matchAll(re)) {
    if (m[0].startsWith('<!')) continue;
    const closing = m[1] === '/';
    const name = (m[2] as string).toLowerCase();
    if (!closing && (VOID.has(name) || m[3] === '/')) continue;
    if (!closing) {
      stack.push(name);
      continue;
    }
    const open = stack.pop();
    if (open !== name) return `</${name}> at ${m.index} closes <${open ?? 'nothing'}>`;
  }
  if (stack.length > 0) return `unclosed: ${stack.join(' > ')}`;
  // A stray "<" or ">" outside a tag means something was inserted unescaped.
  const text = body.replace(re, '');
  if (/[<>]/.test(text)) return `stray angle bracket near "${text.slice(Math.max(0, text.search(/[<>]/) - 20), text.search(/[<>]/) + 20)}"`;
  return undefined;
}
