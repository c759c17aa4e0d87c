import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSyntheticData } from '../../../scripts/synthetic/data.js';
import { realize, validateFamilies } from '../../../scripts/synthetic/template.js';
import type { Family } from '../../../scripts/synthetic/types.js';
import { Rng } from '../../../src/util/rng.js';

const data = loadSyntheticData();

describe('synthetic question families', () => {
  it('hold every invariant the generator relies on', () => {
    assert.deepEqual(validateFamilies([...data.families, ...data.contexts], data), []);
  });

  it('are reported when a template forgets a slot or an enum has the wrong number of options', () => {
    const broken: Family = {
      id: 'broken',
      topic: 'test',
      slots: [
        { name: 'lang', kind: 'entity', type: 'lang' },
        { name: 'neg', kind: 'negation', size: 2 },
      ],
      templates: ["Why {neg:is|isn't} {lang} popular?", 'Is {lang} popular?', 'Why {neg:is} it?'],
    };
    const problems = validateFamilies([broken], data);
    assert.ok(problems.some((p) => p.includes('broken#1') && p.includes('{neg}')));
    assert.ok(problems.some((p) => p.includes('broken#2') && p.includes('needs 2 options')));
    assert.ok(problems.some((p) => p.includes('broken#2') && p.includes('{lang}')));
  });

  it('cover many topics', () => {
    assert.ok(new Set(data.families.map((f) => f.topic)).size >= 12);
    assert.ok(data.families.length >= 60);
  });
});

describe('realize', () => {
  const family: Family = {
    id: 't',
    topic: 'test',
    slots: [
      { name: 'a', kind: 'entity', type: 'lang' },
      { name: 'b', kind: 'entity', type: 'lang' },
      { name: 'neg', kind: 'negation', size: 2 },
    ],
    symmetric: ['a', 'b'],
    templates: ['Is {a} {neg:better|not better} than {b} for a [beginner|newbie]?'],
  };

  it('gives the same text for the same rng seed, and fills enum options by value', () => {
    const one = realize(data, family, [0, 1, 1], 0, new Rng(5));
    assert.equal(realize(data, family, [0, 1, 1], 0, new Rng(5)), one);
    assert.match(one, /^Is Python( 3)? not better than Java for a (beginner|newbie)\?$/);
    assert.match(realize(data, family, [0, 1, 0], 0, new Rng(5)), /^Is Python( 3)? better than Java/);
  });

  it('exchanges the symmetric slots when asked', () => {
    assert.match(realize(data, family, [0, 1, 0], 0, new Rng(1), true), /^Is Java better than Python/);
  });

  it('writes "an" before a vowel sound and capitalises the first letter', () => {
    const f: Family = {
      id: 'art',
      topic: 'test',
      slots: [{ name: 'job', kind: 'entity', type: 'job' }],
      templates: ['how do I become a {job}?'],
    };
    // Single-form jobs, so the surface is fixed whatever the rng picks.
    const find = (name: string) => {
      const v = (data.entities.get('job') ?? []).findIndex(
        (forms) => forms.length === 1 && forms[0] === name,
      );
      assert.ok(v >= 0, `${name} is a single-form job`);
      return realize(data, f, [v], 0, new Rng(0));
    };
    assert.equal(find('IAS officer'), 'How do I become an IAS officer?');
    assert.equal(find('UX designer'), 'How do I become a UX designer?');
    assert.equal(find('actor'), 'How do I become an actor?');
    assert.equal(find('nurse'), 'How do I become a nurse?');
  });
});
