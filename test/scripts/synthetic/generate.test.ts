import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  generateSyntheticQqp,
  HARD_NEGATIVE_KINDS,
  loadSyntheticData,
  PAIR_KINDS,
  type SyntheticRow,
} from '../../../scripts/synthetic/index.js';
import { UsageError } from '../../../src/errors.js';

const ROWS = 4000;
const rows = generateSyntheticQqp({ seed: 11, rows: ROWS });
const words = (q: string) => q.split(/\s+/).filter(Boolean);

function share(pred: (r: SyntheticRow) => boolean): number {
  return rows.filter(pred).length / rows.length;
}

function jaccard(a: string, b: string): number {
  const tokens = (q: string) => new Set(q.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []);
  const x = tokens(a);
  const y = tokens(b);
  const inter = [...x].filter((w) => y.has(w)).length;
  return inter / (x.size + y.size - inter);
}

describe('generateSyntheticQqp', () => {
  it('is deterministic: same seed and rows give the same pairs, another seed others', () => {
    assert.deepEqual(generateSyntheticQqp({ seed: 11, rows: 300 }), rows.slice(0, 300));
    const other = generateSyntheticQqp({ seed: 12, rows: 300 });
    assert.notDeepEqual(
      other.map((r) => r.question1),
      rows.slice(0, 300).map((r) => r.question1),
    );
  });

  it('numbers rows from 0 and gives the requested count', () => {
    assert.equal(rows.length, ROWS);
    rows.forEach((r, i) => {
      assert.equal(r.id, i);
    });
  });

  it("has a duplicate rate near QQP's 37%, and labels follow the pair kind", () => {
    const rate = share((r) => r.isDuplicate === 1);
    assert.ok(rate > 0.33 && rate < 0.41, `duplicate rate ${rate}`);
    for (const r of rows) assert.equal(r.isDuplicate, r.kind === 'paraphrase' ? 1 : 0);
  });

  it('contains every hard-negative kind, and unrelated pairs only as a minority', () => {
    for (const kind of HARD_NEGATIVE_KINDS) {
      const s = share((r) => r.kind === kind);
      assert.ok(s >= 0.03, `${kind}: ${s}`);
    }
    const unrelated = share((r) => r.kind === 'unrelated');
    assert.ok(unrelated > 0.03 && unrelated < 0.2, `unrelated: ${unrelated}`);
    assert.deepEqual(new Set(rows.map((r) => r.kind)), new Set(PAIR_KINDS));
  });

  it('makes hard negatives that share most words, unlike unrelated pairs', () => {
    const mean = (kind: string) => {
      const js = rows.filter((r) => r.kind === kind).map((r) => jaccard(r.question1, r.question2));
      return js.reduce((a, b) => a + b, 0) / js.length;
    };
    // Measured on whole questions, context sentences included; about 60% keep the template.
    for (const kind of HARD_NEGATIVE_KINDS) {
      assert.ok(mean(kind) > 0.4, `${kind} overlap ${mean(kind)}`);
    }
    assert.ok(mean('order') > 0.55, `order overlap ${mean('order')}`);
    assert.ok(mean('unrelated') < 0.12, `unrelated overlap ${mean('unrelated')}`);
  });

  it('overlaps in words the way real QQP pairs do: duplicates more than non-duplicates, both spread out', () => {
    // Kaggle train.csv's first 10,000 rows (same tokens): non-duplicates 0.31, duplicates 0.47.
    const mean = (pred: (r: SyntheticRow) => boolean) => {
      const js = rows.filter(pred).map((r) => jaccard(r.question1, r.question2));
      return js.reduce((a, b) => a + b, 0) / js.length;
    };
    const dup = mean((r) => r.isDuplicate === 1);
    const non = mean((r) => r.isDuplicate === 0);
    assert.ok(non > 0.25 && non < 0.37, `non-duplicates ${non}`);
    assert.ok(dup > 0.42 && dup < 0.56, `duplicates ${dup}`);
    const low = rows.filter((r) => r.isDuplicate === 1 && jaccard(r.question1, r.question2) < 0.2).length;
    assert.ok(low > 0, 'some duplicates share few words');
  });

  it('makes related negatives from another family that keeps an entity of the question', () => {
    const related = rows.filter((r) => r.kind === 'related');
    assert.ok(related.length > 0.08 * ROWS, `related: ${related.length}`);
    for (const r of related) assert.notEqual(r.family1, r.family2, `row ${r.id}`);
    const sharing = related.filter((r) => jaccard(r.question1, r.question2) > 0).length;
    assert.ok(sharing / related.length > 0.9, `related pairs sharing a word: ${sharing}/${related.length}`);
  });

  it('uses the first `entities` entities of each type, so fewer make each more frequent', () => {
    const data = loadSyntheticData();
    const lang = data.entities.get('lang') ?? [];
    const named = (rs: SyntheticRow[], names: readonly (readonly string[])[]) =>
      names.filter((forms) => rs.some((r) => forms.some((f) => r.question1.includes(` ${f}`)))).length;
    const three = generateSyntheticQqp({ seed: 11, rows: 1500, entities: 3 });
    assert.equal(
      named(
        three,
        lang.slice(3).filter(
          (f) =>
            !lang
              .slice(0, 3)
              .flat()
              .some((g) => f.some((x) => x.includes(g))),
        ),
      ),
      0,
    );
    const all = generateSyntheticQqp({ seed: 11, rows: 1500, entities: 1000 });
    assert.ok(named(all, lang.slice(6)) > 0, 'with every entity, later ones occur');
    assert.throws(() => generateSyntheticQqp({ seed: 1, rows: 5, entities: 2 }), UsageError);
  });

  it('never pairs a question with itself, and has no empty questions', () => {
    for (const r of rows) {
      assert.notEqual(r.question1, r.question2, `row ${r.id}`);
      assert.ok(r.question1.trim().length > 0 && r.question2.trim().length > 0, `row ${r.id}`);
      assert.equal(r.question1, r.question1.trim());
    }
  });

  it('has realistic question lengths: mostly 6-20 words, never below 3 or above 45', () => {
    const lengths = rows.flatMap((r) => [words(r.question1).length, words(r.question2).length]);
    assert.ok(Math.min(...lengths) >= 3, `shortest ${Math.min(...lengths)}`);
    assert.ok(Math.max(...lengths) <= 45, `longest ${Math.max(...lengths)}`);
    const typical = lengths.filter((n) => n >= 6 && n <= 20).length / lengths.length;
    assert.ok(typical > 0.85, `6-20 words: ${typical}`);
  });

  it('reuses a qid whenever the same question text comes back, and only then', () => {
    const textOf = new Map<number, string>();
    const qidOf = new Map<string, number>();
    let next = 1;
    for (const r of rows) {
      for (const [qid, text] of [
        [r.qid1, r.question1],
        [r.qid2, r.question2],
      ] as const) {
        const known = textOf.get(qid);
        if (known === undefined) {
          assert.equal(qid, next++, 'new qids are handed out in order of first appearance');
          assert.equal(qidOf.get(text), undefined, `"${text}" already had a qid`);
          textOf.set(qid, text);
          qidOf.set(text, qid);
        } else assert.equal(known, text, `qid ${qid}`);
      }
    }
    assert.ok(textOf.size < 2 * ROWS * 0.95, `some questions come back (${textOf.size} distinct)`);
  });

  it('varies the surface: typos, lower case, missing question marks and context sentences occur', () => {
    const qs = rows.flatMap((r) => [r.question1, r.question2]);
    assert.ok(qs.some((q) => /^[a-z]/.test(q)));
    assert.ok(qs.some((q) => !/[?]$/.test(q)));
    assert.ok(qs.some((q) => /^I (am|have|know|live|work)\b[^?]*\. /.test(q)));
    assert.ok(qs.some((q) => q.includes(',')) && qs.some((q) => q.includes('"')));
  });

  it('rejects bad options with a usage error', () => {
    for (const bad of [
      { seed: 1, rows: 0 },
      { seed: 1, rows: 2.5 },
      { seed: -1, rows: 10 },
      { seed: 0.5, rows: 10 },
      { seed: 2 ** 31, rows: 10 },
    ]) {
      assert.throws(() => generateSyntheticQqp(bad), UsageError, JSON.stringify(bad));
    }
  });
});
