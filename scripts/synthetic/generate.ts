import { UsageError } from '../../src/errors.js';
import { Rng } from '../../src/util/rng.js';
import { loadSyntheticData } from './data.js';
import { PAIR_KINDS, type PairKind, supports } from './kinds.js';
import { realize, slotSize } from './template.js';
import type { Family, Lexicon, Slot, SyntheticData } from './types.js';

/** One generated pair. The CSV holds the Kaggle columns and `kind`; the families are for tests. */
export interface SyntheticRow {
  id: number;
  qid1: number;
  qid2: number;
  question1: string;
  question2: string;
  isDuplicate: 0 | 1;
  kind: PairKind;
  family1: string;
  family2: string;
}

export interface SyntheticOptions {
  seed: number;
  rows: number;
  /**
   * How many entities of each type are used: the first N of each list in entities.yaml (all of a
   * shorter list). Fewer entities make each one more frequent, so a model trained on a few
   * thousand pairs sees each often enough to learn to compare it; more make the data harder.
   * Default 6 (SYNTHETIC_DEFAULTS).
   */
  entities?: number;
}

/** The options that produce the committed data/qqp-synthetic.csv. */
export const SYNTHETIC_DEFAULTS: Readonly<Required<SyntheticOptions>> = {
  seed: 404290,
  rows: 10000,
  entities: 6,
};

/** Entities per type: at least 3, so that a question with two slots of one type can still change one. */
export const MIN_SYNTHETIC_ENTITIES = 3;

/** `data` with only the first `n` entities of each type. */
function withEntities(data: SyntheticData, n: number): SyntheticData {
  return { ...data, entities: new Map([...data.entities].map(([type, list]) => [type, list.slice(0, n)])) };
}

export const MAX_SYNTHETIC_ROWS = 1_000_000;

/**
 * Share of each pair kind. The paraphrase share is QQP's natural duplicate rate (~37%). Negatives
 * are spread so that their word overlap with the other question resembles real QQP's (mean Jaccard
 * about 0.31 for non-duplicates and 0.50 for duplicates, against 0.31 and 0.47 on Kaggle's first
 * 10,000 rows): hard negatives that change one thing are a third of all pairs (half the negatives);
 * the other negatives are other questions on the same subject (`related`, `topic`) or on another
 * one (`unrelated`).
 */
export const KIND_WEIGHTS: Readonly<Record<PairKind, number>> = {
  paraphrase: 0.37,
  entity: 0.12,
  number: 0.05,
  negation: 0.05,
  intent: 0.06,
  order: 0.05,
  topic: 0.06,
  related: 0.12,
  unrelated: 0.12,
};

/** Tuning knobs of the surface realisation (probabilities). */
const P = {
  /**
   * A pair starts from a question already used in an earlier row. Questions come back often enough
   * without it (the same template, entity and wording), so it is off.
   */
  reuse: 0,
  /** A paraphrase keeps the template and only varies synonyms, optional words and noise. */
  paraphraseSameTemplate: 0.55,
  /** A hard negative keeps its partner's template ... */
  negativeSameTemplate: 0.5,
  /** ... and, given that, even its partner's word choices. */
  negativeSameWording: 0.5,
  /** A context sentence ("I am from India.") before the question, or, less often, after it. */
  context: 0.06,
  contextAfter: 0.3,
  prefix: 0.03,
  suffix: 0.03,
  typo: 0.015,
  noQuestionMark: 0.03,
  doubleQuestionMark: 0.01,
  lowerFirst: 0.04,
  lowerAll: 0.015,
};

interface Question {
  family: number;
  values: number[];
  template: number;
  /** Seed of the rng that made the free word choices, so a hard negative can replay them. */
  wording: number;
  swap: boolean;
  text: string;
}

/**
 * Family chances for paraphrase pairs. Negative kinds pick uniformly among the families that support
 * them, so some families get more negatives than others; paraphrases are then spread in proportion,
 * which gives every family about the same duplicate rate: the topic alone says nothing of the label.
 */
function paraphraseFamilyWeights(families: readonly Family[]): number[] {
  const supporters = new Map(PAIR_KINDS.map((k) => [k, families.filter((f) => supports(f, k)).length]));
  return families.map((f) =>
    PAIR_KINDS.reduce(
      (sum, k) =>
        k !== 'paraphrase' && supports(f, k) ? sum + KIND_WEIGHTS[k] / (supporters.get(k) ?? 1) : sum,
      0,
    ),
  );
}

function checkOptions(options: SyntheticOptions): void {
  const { seed, rows, entities = SYNTHETIC_DEFAULTS.entities } = options;
  if (!Number.isInteger(entities) || entities < MIN_SYNTHETIC_ENTITIES) {
    throw new UsageError(
      'SYNTHETIC_ENTITIES',
      `entities must be an integer of at least ${MIN_SYNTHETIC_ENTITIES}, got ${entities}`,
    );
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0x7fffffff) {
    throw new UsageError('SYNTHETIC_SEED', `seed must be an integer from 0 to 2147483647, got ${seed}`);
  }
  if (!Number.isInteger(rows) || rows < 1 || rows > MAX_SYNTHETIC_ROWS) {
    throw new UsageError(
      'SYNTHETIC_ROWS',
      `rows must be an integer from 1 to ${MAX_SYNTHETIC_ROWS}, got ${rows}`,
    );
  }
}

/** A value for `slot` other than `avoid` (all values in it). */
function otherValue(rng: Rng, lexicon: Lexicon, slot: Slot, avoid: readonly number[]): number {
  const size = slotSize(lexicon, slot);
  for (;;) {
    const v = rng.int(0, size - 1);
    if (!avoid.includes(v)) return v;
  }
}

/** Values of same-typed entity/number slots of one question stay distinct ("Python or Python?"). */
function sameTypeValues(f: Family, values: readonly number[], i: number): number[] {
  const slot = f.slots[i] as Slot;
  if (slot.kind !== 'entity' && slot.kind !== 'number') return [];
  return f.slots.flatMap((s, j) =>
    j !== i && s.kind === slot.kind && s.type === slot.type ? [values[j] ?? -1] : [],
  );
}

function randomValues(rng: Rng, lexicon: Lexicon, f: Family): number[] {
  const values: number[] = [];
  f.slots.forEach((slot, i) => {
    values.push(otherValue(rng, lexicon, slot, sameTypeValues(f, values, i)));
  });
  return values;
}

function mutate(rng: Rng, lexicon: Lexicon, f: Family, values: readonly number[], kind: PairKind): number[] {
  const out = [...values];
  const indices = (pred: (s: Slot) => boolean) => f.slots.flatMap((s, i) => (pred(s) ? [i] : []));
  const change = (i: number) => {
    out[i] = otherValue(rng, lexicon, f.slots[i] as Slot, [out[i] ?? -1, ...sameTypeValues(f, out, i)]);
  };
  switch (kind) {
    case 'entity':
    case 'number':
    case 'negation':
    case 'intent':
      change(rng.pick(indices((s) => s.kind === kind)));
      break;
    case 'order': {
      const [a, b] = (f.ordered as [string, string]).map((n) => f.slots.findIndex((s) => s.name === n)) as [
        number,
        number,
      ];
      [out[a], out[b]] = [out[b] as number, out[a] as number];
      break;
    }
    case 'topic':
      for (const i of indices((s) => s.kind === 'entity' || s.kind === 'number')) change(i);
      break;
    default:
      throw new RangeError(`mutate: ${kind} does not change values`);
  }
  return out;
}

function typo(rng: Rng, text: string): string {
  const words = text.split(' ');
  const candidates = words.flatMap((w, i) => (/^[a-z]{4,}$/.test(w) ? [i] : []));
  if (candidates.length === 0) return text;
  const i = rng.pick(candidates);
  const w = words[i] as string;
  const at = rng.int(1, w.length - 2);
  const op = rng.int(0, 2);
  words[i] =
    op === 0
      ? w.slice(0, at) + (w[at + 1] ?? '') + (w[at] ?? '') + w.slice(at + 2)
      : op === 1
        ? w.slice(0, at) + w.slice(at + 1)
        : w.slice(0, at) + (w[at] ?? '') + w.slice(at);
  return words.join(' ');
}

/** Context sentences, typos, casing and punctuation slips, as people write on Quora. */
function addNoise(rng: Rng, data: SyntheticData, text: string): string {
  let t = text;
  if (rng.chance(P.prefix)) t = `${rng.pick(data.prefixes)} ${t}`;
  if (rng.chance(P.suffix)) t = `${t} ${rng.pick(data.suffixes)}`;
  if (rng.chance(P.typo)) t = typo(rng, t);
  if (rng.chance(P.noQuestionMark)) t = t.replace(/\?$/, '');
  else if (rng.chance(P.doubleQuestionMark)) t = t.replace(/\?$/, '??');
  if (rng.chance(P.lowerFirst)) t = t.charAt(0).toLowerCase() + t.slice(1);
  else if (rng.chance(P.lowerAll)) t = t.toLowerCase();
  return t;
}

class PairMaker {
  private readonly rng: Rng;
  private readonly data: SyntheticData;
  private readonly families: readonly Family[];
  private readonly byKind = new Map<PairKind, number[]>();
  private readonly paraphraseWeights: number[];
  /** For each family, the other families that share an entity type with it (else its topic). */
  private readonly relatives: number[][];
  /** Earlier questions of each family, to start a pair from. */
  private readonly pool: Question[][];
  private readonly qids = new Map<string, number>();
  private nextQid = 1;
  private nextId = 0;

  constructor(seed: number, data: SyntheticData) {
    this.rng = new Rng(seed);
    this.data = data;
    this.families = data.families;
    this.paraphraseWeights = paraphraseFamilyWeights(this.families);
    for (const kind of PAIR_KINDS) {
      this.byKind.set(
        kind,
        this.families.flatMap((f, i) => (supports(f, kind) ? [i] : [])),
      );
    }
    this.pool = this.families.map(() => []);
    const entityTypes = (f: Family) =>
      new Set(f.slots.flatMap((s) => (s.kind === 'entity' ? [s.type ?? s.name] : [])));
    this.relatives = this.families.map((f, i) => {
      const mine = entityTypes(f);
      const sharing = this.families.flatMap((g, j) =>
        j !== i && [...entityTypes(g)].some((t) => mine.has(t)) ? [j] : [],
      );
      if (sharing.length > 0) return sharing;
      const topic = this.families.flatMap((g, j) => (j !== i && g.topic === f.topic ? [j] : []));
      return topic.length > 0 ? topic : this.families.flatMap((_, j) => (j !== i ? [j] : []));
    });
  }

  private write(
    family: number,
    values: number[],
    template: number,
    wording: number,
    swap: boolean,
  ): Question {
    const f = this.families[family] as Family;
    let text = realize(this.data, f, values, template, new Rng(wording), swap);
    const contexts = this.data.contexts.filter((c) => c.fits?.includes(f.topic));
    if (contexts.length > 0 && this.rng.chance(P.context)) {
      const c = this.rng.pick(contexts);
      const sentence = realize(
        this.data,
        c,
        randomValues(this.rng, this.data, c),
        this.rng.int(0, c.templates.length - 1),
        this.rng,
      );
      text = this.rng.chance(P.contextAfter) ? `${text} ${sentence}` : `${sentence} ${text}`;
    }
    text = addNoise(this.rng, this.data, text);
    return { family, values, template, wording, swap, text };
  }

  private fresh(family: number): Question {
    const f = this.families[family] as Family;
    const values = randomValues(this.rng, this.data, f);
    const template = this.rng.int(0, f.templates.length - 1);
    const swap = f.symmetric !== undefined && this.rng.chance(0.5);
    return this.write(family, values, template, this.rng.seed(), swap);
  }

  private otherTemplate(f: Family, not: number): number {
    const t = this.rng.int(0, f.templates.length - 2);
    return t >= not ? t + 1 : t;
  }

  private partner(base: Question, kind: PairKind): Question {
    const families = this.families;
    const f = families[base.family] as Family;
    const rng = this.rng;
    if (kind === 'unrelated') {
      let family = rng.int(0, families.length - 1);
      while (family === base.family) family = rng.int(0, families.length - 1);
      const g = families[family] as Family;
      const values = randomValues(rng, this.data, g);
      return this.write(family, values, rng.int(0, g.templates.length - 1), rng.seed(), false);
    }
    if (kind === 'related') {
      // Another question about the same thing: a family sharing an entity type, with that entity kept.
      const family = rng.pick(this.relatives[base.family] ?? []);
      const g = families[family] as Family;
      const values = randomValues(rng, this.data, g);
      g.slots.forEach((slot, i) => {
        if (slot.kind !== 'entity') return;
        const j = f.slots.findIndex(
          (s) => s.kind === 'entity' && (s.type ?? s.name) === (slot.type ?? slot.name),
        );
        const v = j >= 0 ? base.values[j] : undefined;
        if (v !== undefined && !sameTypeValues(g, values, i).includes(v)) values[i] = v;
      });
      return this.write(family, values, rng.int(0, g.templates.length - 1), rng.seed(), false);
    }
    const swap = f.symmetric !== undefined && rng.chance(0.5);
    if (kind === 'paraphrase') {
      const template = rng.chance(P.paraphraseSameTemplate)
        ? base.template
        : this.otherTemplate(f, base.template);
      return this.write(base.family, base.values, template, rng.seed(), swap);
    }
    const values = mutate(rng, this.data, f, base.values, kind);
    if (kind !== 'topic' && rng.chance(P.negativeSameTemplate)) {
      const wording = rng.chance(P.negativeSameWording) ? base.wording : rng.seed();
      return this.write(base.family, values, base.template, wording, base.swap);
    }
    return this.write(base.family, values, this.otherTemplate(f, base.template), rng.seed(), swap);
  }

  private qid(text: string): number {
    let q = this.qids.get(text);
    if (q === undefined) {
      q = this.nextQid++;
      this.qids.set(text, q);
    }
    return q;
  }

  private remember(q: Question): void {
    if (this.qids.has(q.text)) return;
    this.pool[q.family]?.push(q);
  }

  row(): SyntheticRow {
    const rng = this.rng;
    const kind = PAIR_KINDS[rng.weighted(PAIR_KINDS.map((k) => KIND_WEIGHTS[k]))] as PairKind;
    const family =
      kind === 'paraphrase' ? rng.weighted(this.paraphraseWeights) : rng.pick(this.byKind.get(kind) ?? []);
    for (;;) {
      const pool = this.pool[family] ?? [];
      const base = pool.length > 0 && rng.chance(P.reuse) ? rng.pick(pool) : this.fresh(family);
      const other = this.partner(base, kind);
      // A slot-free family, or a paraphrase that came out word for word the same: draw again.
      if (other.text === base.text) continue;
      const [q1, q2] = rng.chance(0.5) ? [base, other] : [other, base];
      this.remember(q1);
      const qid1 = this.qid(q1.text);
      this.remember(q2);
      const qid2 = this.qid(q2.text);
      return {
        id: this.nextId++,
        qid1,
        qid2,
        question1: q1.text,
        question2: q2.text,
        isDuplicate: kind === 'paraphrase' ? 1 : 0,
        kind,
        family1: (this.families[q1.family] as Family).id,
        family2: (this.families[q2.family] as Family).id,
      };
    }
  }
}

/**
 * The synthetic pairs one at a time; the same options and data always give the same rows. `data`
 * defaults to the files in scripts/synthetic/data/, read (and checked) when this is called.
 */
export function* syntheticRows(
  options: SyntheticOptions,
  data: SyntheticData = loadSyntheticData(),
): Generator<SyntheticRow> {
  checkOptions(options);
  const gen = new PairMaker(
    options.seed,
    withEntities(data, options.entities ?? SYNTHETIC_DEFAULTS.entities),
  );
  for (let i = 0; i < options.rows; i++) yield gen.row();
}

/** All synthetic pairs for `options` (10,000 rows take well under a second). */
export function generateSyntheticQqp(
  options: SyntheticOptions,
  data: SyntheticData = loadSyntheticData(),
): SyntheticRow[] {
  return [...syntheticRows(options, data)];
}
