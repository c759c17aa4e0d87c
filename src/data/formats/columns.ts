/**
 * Which of a file's columns (header names, JSON keys, Parquet columns) hold the fields of a pair,
 * for every format that names its columns: the standard names of QQP's releases, or the user's own
 * through `data.columns`. What was used is reported (`UsedColumns`), so the user sees what auto
 * detection chose.
 */

/** The fields of a pair a file's columns can hold. */
export const COLUMN_ROLES = ['question1', 'question2', 'label', 'id'] as const;
export type ColumnRole = (typeof COLUMN_ROLES)[number];

/** `data.columns`: the user's column name for a field (absent: the standard names). */
export type ColumnMapping = Partial<Record<ColumnRole, string>>;

/**
 * The columns a read took each field from, as named in the file (a headerless file: `field N`).
 * `label` null: an unlabelled format; `id` null: the file has no id column, ids are row numbers.
 */
export interface UsedColumns {
  question1: string;
  question2: string;
  label: string | null;
  id: string | null;
}

/** The standard names of each field, in the order they are looked for (lower case). */
export const STANDARD_NAMES: Record<ColumnRole, readonly string[]> = {
  question1: ['question1'],
  question2: ['question2'],
  label: ['is_duplicate', 'label'],
  id: ['id', 'test_id', 'idx'],
};

/** A column name as compared: trimmed, unquoted, lower-cased. */
export function columnKey(name: string): string {
  return name
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
}

/** Positions (in `names`) of the fields used; id and label -1 when absent / unlabelled. */
export interface ColumnIndex {
  question1: number;
  question2: number;
  label: number;
  id: number;
  used: UsedColumns;
}

/**
 * Finds the fields' columns among `names` (a header, JSON keys, Parquet columns): a mapped field by
 * its mapped name only, the others by their standard names. The questions (and the label, when
 * `labelled`) are required; the id is optional. Returns what is missing, as words, otherwise.
 */
export function findColumns(
  names: readonly string[],
  labelled: boolean,
  mapping: ColumnMapping = {},
): ColumnIndex | { missing: string[] } {
  const keys = names.map(columnKey);
  const missing: string[] = [];
  const find = (role: ColumnRole, required: boolean): number => {
    const mapped = mapping[role];
    const wanted = mapped !== undefined ? [columnKey(mapped)] : STANDARD_NAMES[role];
    for (const w of wanted) {
      const i = keys.indexOf(w);
      if (i >= 0) return i;
    }
    if (required) {
      missing.push(
        mapped !== undefined ? `${mapped} (data.columns.${role})` : STANDARD_NAMES[role].join(' or '),
      );
    }
    return -1;
  };
  const question1 = find('question1', true);
  const question2 = find('question2', true);
  const label = labelled ? find('label', true) : -1;
  // An id column the user named must exist; a standard one may be absent (ids from row numbers).
  const id = find('id', mapping.id !== undefined);
  if (missing.length > 0) return { missing };
  const name = (i: number) => (i >= 0 ? names[i]!.trim().replace(/^"(.*)"$/, '$1') : null);
  return {
    question1,
    question2,
    label,
    id,
    used: { question1: name(question1)!, question2: name(question2)!, label: name(label), id: name(id) },
  };
}

/**
 * A mapping written `question1=text_a,question2=text_b,label=dup` (the `--columns` flag), or why it
 * is not one.
 */
export function parseColumnMapping(text: string): ColumnMapping | { problem: string } {
  const out: ColumnMapping = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const role = part.slice(0, Math.max(0, eq)).trim();
    const name = part.slice(eq + 1).trim();
    if (eq < 0 || name === '' || !(COLUMN_ROLES as readonly string[]).includes(role)) {
      return {
        problem: `"${part.trim()}" is not FIELD=COLUMN with FIELD one of ${COLUMN_ROLES.join(', ')}`,
      };
    }
    out[role as ColumnRole] = name;
  }
  return out;
}

/** What was missing, in a message: `missing column X` / `missing columns X, Y`. */
export function missingText(missing: readonly string[]): string {
  return `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
}

/** Used columns in words: `question1=text_a, question2=text_b, label=dup, id=row number`. */
export function describeColumns(c: UsedColumns): string {
  return [
    `question1=${c.question1}`,
    `question2=${c.question2}`,
    ...(c.label !== null ? [`label=${c.label}`] : []),
    `id=${c.id ?? '(row number)'}`,
  ].join(', ');
}

/**
 * A value of a typed format (JSON, Parquet) as the text a delimited file would hold: strings as
 * they are, numbers and bigints in decimal, booleans as 1/0; undefined for anything else (null,
 * objects), which no field can be.
 */
export function valueText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  return undefined;
}
