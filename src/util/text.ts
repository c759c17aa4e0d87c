/**
 * `text` safe to print on a terminal: control characters (C0, DEL, C1), the line and paragraph
 * separators and the bidirectional overrides are written as escapes (`\x1b`, `\u202e`), so a file's
 * content in a message can neither move the cursor, recolour the screen nor reorder what is shown.
 * `\t` becomes `\t` unless `keepTabs`; newlines are escaped too (a message line stays one line).
 */
export function printable(text: string, options: { keepTabs?: boolean } = {}): string {
  return text.replace(UNSAFE, (c) => {
    if (c === '\t' && options.keepTabs) return c;
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** The first line of an error's message (or of what was thrown), trimmed: for one-line reasons. */
export function errorFirstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.trim();
}
