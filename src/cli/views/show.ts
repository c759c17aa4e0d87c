import { wrapHanging } from '../render.js';

/** `qqp show`'s config lines. */

const KEY_WIDTH = 12;

/**
 * The config in short (or in full), one entry a line as `  model:      <value>`, each value wrapped
 * to `width` columns with a hanging indent: the model's layer chain breaks between layers (`→`
 * ends the line), then between its parts (`;`), never inside a word.
 */
export function configLines(entries: readonly { key: string; value: string }[], width: number): string[] {
  const indent = ' '.repeat(2 + KEY_WIDTH + 2);
  return entries.flatMap((c) =>
    wrapHanging(c.value, width, {
      first: `  ${(c.key ? `${c.key}:` : '').padEnd(KEY_WIDTH)}`,
      indent,
    }),
  );
}
