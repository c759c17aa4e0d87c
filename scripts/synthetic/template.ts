import type { Rng } from '../../src/util/rng.js';
import type { Family, Lexicon, Slot } from './types.js';

const CHOICE = /\[([^[\]]*)\]/g;
const SLOT = /\{(\w+)(?::([^{}]*))?\}/g;

/** Surface forms of one slot value: entity synonyms, number renderings, or one enum option. */
export function slotForms(lexicon: Lexicon, slot: Slot, value: number): string[] {
  if (slot.kind === 'entity') {
    const forms = lexicon.entities.get(slot.type ?? '')?.[value];
    if (!forms) throw new RangeError(`no entity ${slot.type}[${value}]`);
    return [...forms];
  }
  if (slot.kind === 'number') {
    const type = lexicon.numbers.get(slot.type ?? '');
    const n = type?.values[value];
    if (type === undefined || n === undefined) throw new RangeError(`no number ${slot.type}[${value}]`);
    return type.forms(n);
  }
  throw new RangeError(`slot ${slot.name} is an enum; its forms live in the template`);
}

/** How many values a slot can take. */
export function slotSize(lexicon: Lexicon, slot: Slot): number {
  if (slot.kind === 'entity') return lexicon.entities.get(slot.type ?? '')?.length ?? 0;
  if (slot.kind === 'number') return lexicon.numbers.get(slot.type ?? '')?.values.length ?? 0;
  return slot.size ?? 0;
}

/** Usual form first and most often: real paraphrases mostly keep the common name. */
function pickForm(forms: readonly string[], rng: Rng): string {
  if (forms.length === 1 || rng.chance(0.4)) return forms[0] as string;
  return rng.pick(forms);
}

// Words after "a" that start with a vowel letter but not a vowel sound, and the reverse for acronyms.
const CONSONANT_SOUND = /^(uni|use|usu|uti|one|eu)/i;
const VOWEL_LETTER_ACRONYM = /^[AEFHILMNORSX][A-Z]/;

/** "a" -> "an" before a vowel sound; `readAsWords` are capitalised words not read letter by letter. */
function fixArticles(text: string, readAsWords: readonly string[]): string {
  return text.replace(/\b([Aa]) ([\w₹$]+)/g, (whole, a: string, word: string) => {
    const acronym = (/^[A-Z]{2}/.test(word) || /^[A-Z]\d/.test(word)) && !readAsWords.includes(word);
    const an = acronym
      ? VOWEL_LETTER_ACRONYM.test(word) || /^[AEIO]/.test(word)
      : /^[aeiouAEIOU]/.test(word) && !CONSONANT_SOUND.test(word);
    return an ? `${a}n ${word}` : whole;
  });
}

function tidy(text: string, readAsWords: readonly string[]): string {
  const t = fixArticles(
    text
      .replace(/\s+/g, ' ')
      .replace(/ ([?.,:!])/g, '$1')
      .trim(),
    readAsWords,
  );
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/**
 * Writes one question of `family` with slot `values` using template `templateIndex`, taking entity and
 * number forms from `lexicon`. All free choices (synonyms, optional words, surface forms) come from
 * `rng`, so the same rng state and the same arguments give the same text; `swap` exchanges the
 * family's symmetric slots ("A or B" -> "B or A").
 */
export function realize(
  lexicon: Lexicon,
  family: Family,
  values: readonly number[],
  templateIndex: number,
  rng: Rng,
  swap = false,
): string {
  const template = family.templates[templateIndex];
  if (template === undefined) throw new RangeError(`${family.id} has no template ${templateIndex}`);
  const byName = new Map<string, { slot: Slot; value: number }>();
  family.slots.forEach((slot, i) => {
    byName.set(slot.name, { slot, value: values[i] ?? 0 });
  });
  if (swap && family.symmetric) {
    const [a, b] = family.symmetric;
    const sa = byName.get(a);
    const sb = byName.get(b);
    if (sa && sb) {
      byName.set(a, { slot: sa.slot, value: sb.value });
      byName.set(b, { slot: sb.slot, value: sa.value });
    }
  }
  const chosen = template.replace(CHOICE, (_, body: string) => rng.pick(body.split('|')));
  const filled = chosen.replace(SLOT, (_, name: string, options: string | undefined) => {
    const entry = byName.get(name);
    if (!entry) throw new RangeError(`${family.id}: template names unknown slot {${name}}`);
    if (options === undefined) return pickForm(slotForms(lexicon, entry.slot, entry.value), rng);
    const option = options.split('|')[entry.value];
    if (option === undefined) throw new RangeError(`${family.id}: {${name}} has no option ${entry.value}`);
    return rng.pick(option.split('/'));
  });
  return tidy(filled, lexicon.readAsWords);
}

/** One problem of a family; `template` is the index of the template it is in, if it is in one. */
export interface FamilyProblem {
  message: string;
  template?: number;
}

/**
 * Problems of one family against `lexicon`: slots, symmetric/ordered pairs and templates. Each
 * message starts with the family id, and `#i` for template i.
 */
export function familyProblems(f: Family, lexicon: Lexicon): FamilyProblem[] {
  const problems: FamilyProblem[] = [];
  const add = (message: string, template?: number) => {
    problems.push(template === undefined ? { message } : { message, template });
  };
  if (f.templates.length < 2) add(`${f.id}: fewer than 2 templates`);
  if (new Set(f.templates).size !== f.templates.length) add(`${f.id}: templates repeat`);
  const names = f.slots.map((s) => s.name);
  if (new Set(names).size !== names.length) add(`${f.id}: slot names repeat`);
  for (const slot of f.slots) {
    const known =
      slot.kind === 'entity' ? lexicon.entities : slot.kind === 'number' ? lexicon.numbers : undefined;
    if (known && !known.has(slot.type ?? '')) {
      add(`${f.id}: slot ${slot.name} names no known ${slot.kind} type "${slot.type}"`);
    } else if (slotSize(lexicon, slot) < 2) add(`${f.id}: slot ${slot.name} has fewer than 2 values`);
  }
  // Same-typed slots of one question take distinct values, and a hard negative yet another one.
  const counts = new Map<string, { slot: Slot; count: number }>();
  for (const slot of f.slots) {
    if (slot.kind !== 'entity' && slot.kind !== 'number') continue;
    const key = `${slot.kind} ${slot.type}`;
    counts.set(key, { slot, count: (counts.get(key)?.count ?? 0) + 1 });
  }
  for (const [key, { slot, count }] of counts) {
    const size = slotSize(lexicon, slot);
    if (count > 1 && size >= 2 && size <= count)
      add(`${f.id}: ${count} slots of ${key.replace(' ', ' type ')} need more than ${count} values`);
  }
  for (const pair of [f.symmetric, f.ordered]) {
    if (!pair) continue;
    const [a, b] = pair.map((n) => f.slots.find((s) => s.name === n));
    if (!a || !b || a === b || a.kind !== 'entity' || a.type !== b.type)
      add(`${f.id}: ${pair.join('/')} must name two entity slots of one type`);
  }
  f.templates.forEach((t, ti) => {
    for (const m of t.matchAll(CHOICE)) {
      if (/\{\w+:/.test(m[1] ?? '')) add(`${f.id}#${ti}: enum slot inside [..]`, ti);
    }
    const seen = new Map<string, number>();
    for (const m of t.matchAll(SLOT)) {
      const name = m[1] ?? '';
      const slot = f.slots.find((s) => s.name === name);
      if (!slot) {
        add(`${f.id}#${ti}: unknown slot {${name}}`, ti);
        continue;
      }
      seen.set(name, (seen.get(name) ?? 0) + 1);
      const isEnum = slot.kind === 'intent' || slot.kind === 'negation';
      if (isEnum !== (m[2] !== undefined)) add(`${f.id}#${ti}: {${name}} enum/option mismatch`, ti);
      if (isEnum) {
        const opts = (m[2] ?? '').split('|');
        if (opts.length !== slot.size) add(`${f.id}#${ti}: {${name}} needs ${slot.size} options`, ti);
        if (new Set(opts).size !== opts.length) add(`${f.id}#${ti}: {${name}} options repeat`, ti);
      }
    }
    for (const slot of f.slots) {
      if (!seen.has(slot.name)) add(`${f.id}#${ti}: template does not mention {${slot.name}}`, ti);
    }
  });
  return problems;
}

/** Entity forms that name two entities of one type (compared ignoring case). */
export function entityProblems(lexicon: Lexicon): string[] {
  const problems: string[] = [];
  for (const [type, values] of lexicon.entities) {
    const owner = new Map<string, number>();
    values.forEach((forms, i) => {
      for (const form of forms) {
        const key = form.toLowerCase();
        const prev = owner.get(key);
        if (prev !== undefined && prev !== i) problems.push(`entity ${type}: "${form}" names two values`);
        owner.set(key, i);
      }
    });
  }
  return problems;
}

/** Number forms that name two values of one type, and values without a form. */
export function numberProblems(lexicon: Lexicon): string[] {
  const problems: string[] = [];
  for (const [type, t] of lexicon.numbers) {
    const owner = new Map<string, number>();
    for (const v of t.values) {
      const forms = t.forms(v);
      if (forms.length === 0) problems.push(`number ${type}: ${v} has no form`);
      for (const form of forms) {
        const prev = owner.get(form);
        if (prev !== undefined && prev !== v) problems.push(`number ${type}: "${form}" names two values`);
        owner.set(form, v);
      }
    }
  }
  return problems;
}

/**
 * Problems in the family definitions and `lexicon`; empty when every invariant the generator relies
 * on holds.
 */
export function validateFamilies(families: readonly Family[], lexicon: Lexicon): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const f of families) {
    if (ids.has(f.id)) problems.push(`${f.id}: duplicate family id`);
    ids.add(f.id);
    problems.push(...familyProblems(f, lexicon).map((p) => p.message));
  }
  return [...problems, ...entityProblems(lexicon), ...numberProblems(lexicon)];
}
