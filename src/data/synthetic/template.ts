import type { Rng } from '../../util/rng.js';
import type { Family, Slot } from './families.js';
import { ENTITIES, NUMBERS } from './vocabulary.js';

const CHOICE = /\[([^[\]]*)\]/g;
const SLOT = /\{(\w+)(?::([^{}]*))?\}/g;

/** Surface forms of one slot value: entity synonyms, number renderings, or one enum option. */
export function slotForms(slot: Slot, value: number): string[] {
  if (slot.kind === 'entity') {
    const forms = ENTITIES[slot.type ?? '']?.[value];
    if (!forms) throw new RangeError(`no entity ${slot.type}[${value}]`);
    return [...forms];
  }
  if (slot.kind === 'number') {
    const type = NUMBERS[slot.type ?? ''];
    const n = type?.values[value];
    if (type === undefined || n === undefined) throw new RangeError(`no number ${slot.type}[${value}]`);
    return type.forms(n);
  }
  throw new RangeError(`slot ${slot.name} is an enum; its forms live in the template`);
}

/** How many values a slot can take. */
export function slotSize(slot: Slot): number {
  if (slot.kind === 'entity') return ENTITIES[slot.type ?? '']?.length ?? 0;
  if (slot.kind === 'number') return NUMBERS[slot.type ?? '']?.values.length ?? 0;
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
/** Capitalised words read as words, not letter by letter. */
const WORD_ACRONYMS = new Set(['REST', 'NEET', 'FOMO', 'YOLO', 'MATLAB']);

function fixArticles(text: string): string {
  return text.replace(/\b([Aa]) ([\w₹$]+)/g, (whole, a: string, word: string) => {
    const acronym = (/^[A-Z]{2}/.test(word) || /^[A-Z]\d/.test(word)) && !WORD_ACRONYMS.has(word);
    const an = acronym
      ? VOWEL_LETTER_ACRONYM.test(word) || /^[AEIO]/.test(word)
      : /^[aeiouAEIOU]/.test(word) && !CONSONANT_SOUND.test(word);
    return an ? `${a}n ${word}` : whole;
  });
}

function tidy(text: string): string {
  const t = fixArticles(
    text
      .replace(/\s+/g, ' ')
      .replace(/ ([?.,:!])/g, '$1')
      .trim(),
  );
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/**
 * Writes one question of `family` with slot `values` using template `templateIndex`. All free choices
 * (synonyms, optional words, surface forms) come from `rng`, so the same rng state and the same
 * arguments give the same text; `swap` exchanges the family's symmetric slots ("A or B" -> "B or A").
 */
export function realize(
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
    if (options === undefined) return pickForm(slotForms(entry.slot, entry.value), rng);
    const option = options.split('|')[entry.value];
    if (option === undefined) throw new RangeError(`${family.id}: {${name}} has no option ${entry.value}`);
    return rng.pick(option.split('/'));
  });
  return tidy(filled);
}

/** Problems in the family definitions; empty when every invariant the generator relies on holds. */
export function validateFamilies(families: readonly Family[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const f of families) {
    if (ids.has(f.id)) problems.push(`${f.id}: duplicate family id`);
    ids.add(f.id);
    if (f.templates.length < 2) problems.push(`${f.id}: fewer than 2 templates`);
    for (const slot of f.slots) {
      if (slotSize(slot) < 2) problems.push(`${f.id}: slot ${slot.name} has fewer than 2 values`);
    }
    for (const pair of [f.symmetric, f.ordered]) {
      if (!pair) continue;
      const [a, b] = pair.map((n) => f.slots.find((s) => s.name === n));
      if (!a || !b || a.kind !== 'entity' || a.type !== b.type)
        problems.push(`${f.id}: ${pair.join('/')} must name two entity slots of one type`);
    }
    f.templates.forEach((t, ti) => {
      for (const m of t.matchAll(CHOICE)) {
        if (/\{\w+:/.test(m[1] ?? '')) problems.push(`${f.id}#${ti}: enum slot inside [..]`);
      }
      const seen = new Map<string, number>();
      for (const m of t.matchAll(SLOT)) {
        const name = m[1] ?? '';
        const slot = f.slots.find((s) => s.name === name);
        if (!slot) {
          problems.push(`${f.id}#${ti}: unknown slot {${name}}`);
          continue;
        }
        seen.set(name, (seen.get(name) ?? 0) + 1);
        const isEnum = slot.kind === 'intent' || slot.kind === 'negation';
        if (isEnum !== (m[2] !== undefined)) problems.push(`${f.id}#${ti}: {${name}} enum/option mismatch`);
        if (isEnum) {
          const opts = (m[2] ?? '').split('|');
          if (opts.length !== slot.size) problems.push(`${f.id}#${ti}: {${name}} needs ${slot.size} options`);
          if (new Set(opts).size !== opts.length) problems.push(`${f.id}#${ti}: {${name}} options repeat`);
        }
      }
      for (const slot of f.slots) {
        if (!seen.has(slot.name)) problems.push(`${f.id}#${ti}: template does not mention {${slot.name}}`);
      }
    });
  }
  for (const [type, values] of Object.entries(ENTITIES)) {
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
  for (const [type, t] of Object.entries(NUMBERS)) {
    const owner = new Map<string, number>();
    for (const v of t.values) {
      for (const form of t.forms(v)) {
        const prev = owner.get(form);
        if (prev !== undefined && prev !== v) problems.push(`number ${type}: "${form}" names two values`);
        owner.set(form, v);
      }
    }
  }
  return problems;
}
