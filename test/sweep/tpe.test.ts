import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomPoint, type TrialParams } from '../../src/sweep/space.js';
import type { ParameterSpace, TpeSpec } from '../../src/sweep/spec.js';
import { type Observation, proposalRng, suggest } from '../../src/sweep/tpe.js';

const TPE: TpeSpec = { startupTrials: 5, candidates: 24, gamma: 0.25 };
const X: ParameterSpace = { path: 'x', min: -10, max: 10, distribution: 'uniform' };

/** A sequential search of `f` (minimised): the values of its trials in order. */
function run(
  space: ParameterSpace[],
  f: (p: TrialParams) => number,
  strategy: 'tpe' | 'random',
  seed: number,
  trials: number,
): { params: TrialParams; value: number }[] {
  const done: { params: TrialParams; value: number }[] = [];
  for (let i = 1; i <= trials; i++) {
    const rng = proposalRng(seed, i);
    const params = strategy === 'tpe' ? suggest(space, done, 'min', TPE, rng) : randomPoint(space, rng);
    done.push({ params, value: f(params) });
  }
  return done;
}

describe('TPE', () => {
  it('draws at random until startupTrials trials have values, with the same draws as random search', () => {
    const observations: Observation[] = [
      { params: { x: 1 }, value: 1 },
      { params: { x: 2 }, value: 2 },
      { params: { x: 3 }, value: null, pending: true },
    ];
    for (let i = 1; i <= 5; i++) {
      assert.deepEqual(
        suggest([X], observations, 'min', TPE, proposalRng(7, i)),
        randomPoint([X], proposalRng(7, i)),
      );
    }
  });

  it('is reproducible: the same seed and observations give the same point, another seed another', () => {
    const obs = run([X], (p) => (p.x as number) ** 2, 'tpe', 1, 12);
    const a = suggest([X], obs, 'min', TPE, proposalRng(3, 13));
    assert.deepEqual(suggest([X], obs, 'min', TPE, proposalRng(3, 13)), a);
    assert.notDeepEqual(suggest([X], obs, 'min', TPE, proposalRng(4, 13)), a);
  });

  it('concentrates near the optimum of a quadratic, unlike random search, over several seeds', () => {
    const f = (p: TrialParams) => ((p.x as number) - 3) ** 2;
    for (const seed of [1, 2, 3]) {
      const tpe = run([X], f, 'tpe', seed, 40).slice(20);
      const random = run([X], f, 'random', seed, 40).slice(20);
      const mean = (xs: { value: number }[]) => xs.reduce((a, b) => a + b.value, 0) / xs.length;
      // Random search's later trials average about 37 here; TPE's sit near x = 3.
      assert.ok(mean(tpe) < mean(random) / 4, `seed ${seed}: tpe ${mean(tpe)}, random ${mean(random)}`);
    }
  });

  it('maximises as asked', () => {
    const f = (p: TrialParams) => -(((p.x as number) + 6) ** 2);
    const done: Observation[] = [];
    for (let i = 1; i <= 30; i++) {
      const params = suggest([X], done, 'max', TPE, proposalRng(1, i));
      done.push({ params, value: f(params) });
    }
    const late = done.slice(20).map((o) => o.params.x as number);
    assert.ok(
      late.every((x) => Math.abs(x + 6) < 4),
      late.join(', '),
    );
  });

  it('stays in range: ints are integers, loguniform values positive and inside their bounds', () => {
    const space: ParameterSpace[] = [
      { path: 'lr', min: 1e-5, max: 1e-1, distribution: 'loguniform' },
      { path: 'units', min: 2, max: 9, distribution: 'int' },
      { path: 'act', values: ['relu', 'tanh', 'gelu'] },
    ];
    const f = (p: TrialParams) =>
      Math.abs(Math.log10(p.lr as number) + 3) +
      Math.abs((p.units as number) - 9) +
      (p.act === 'tanh' ? 0 : 1);
    const done = run(space, f, 'tpe', 5, 40);
    for (const { params } of done) {
      const lr = params.lr as number;
      const units = params.units as number;
      assert.ok(lr >= 1e-5 && lr <= 1e-1, `lr ${lr}`);
      assert.ok(Number.isInteger(units) && units >= 2 && units <= 9, `units ${units}`);
      assert.ok(['relu', 'tanh', 'gelu'].includes(params.act as string));
    }
    // The int optimum is found: most late trials take it or its neighbour.
    const late = done.slice(25);
    assert.ok(late.filter((o) => (o.params.units as number) >= 8).length >= 10, JSON.stringify(late));
  });

  it('favours the best listed value once it has been tried', () => {
    const space: ParameterSpace[] = [{ path: 'act', values: ['relu', 'tanh', 'gelu', 'elu'] }, X];
    const f = (p: TrialParams) => (p.act === 'gelu' ? 0 : 1) + Math.abs(p.x as number) / 10;
    for (const seed of [1, 2]) {
      const done = run(space, f, 'tpe', seed, 30);
      const first = done.findIndex((o) => o.params.act === 'gelu');
      assert.ok(first >= 0 && first < 10, `seed ${seed}: gelu first tried at ${first}`);
      const late = done.slice(20);
      assert.ok(
        late.filter((o) => o.params.act === 'gelu').length >= 7,
        `seed ${seed}: ${JSON.stringify(late)}`,
      );
    }
  });

  it('counts running trials as bad, so a second worker is not sent to the first one’s point', () => {
    const done = run([X], (p) => ((p.x as number) - 3) ** 2, 'tpe', 2, 15);
    const rng = () => proposalRng(9, 16);
    const first = suggest([X], done, 'min', TPE, rng());
    // The same draw with the first point running: the best candidate before is now discounted.
    const withPending: Observation[] = [...done, { params: first, value: null, pending: true }];
    const second = suggest([X], withPending, 'min', TPE, rng());
    assert.notDeepEqual(second, first);
    // A trial that ended without a value (failed) is not counted at all.
    assert.deepEqual(suggest([X], [...done, { params: first, value: null }], 'min', TPE, rng()), first);
  });

  it('learns a conditional parameter only from the trials that had it, and leaves it out otherwise', () => {
    const space: ParameterSpace[] = [
      { path: 'opt', values: ['adam', 'sgd'] },
      {
        path: 'momentum',
        min: 0,
        max: 0.99,
        distribution: 'uniform',
        when: [{ path: 'opt', values: ['sgd'] }],
      },
    ];
    // sgd with momentum near 0.9 is best; adam is mediocre.
    const f = (p: TrialParams) => (p.opt === 'adam' ? 0.5 : Math.abs((p.momentum as number) - 0.9));
    const done = run(space, f, 'tpe', 3, 40);
    for (const { params } of done) {
      if (params.opt === 'adam') assert.ok(!('momentum' in params), JSON.stringify(params));
      else assert.equal(typeof params.momentum, 'number');
    }
    const late = done.slice(25).filter((o) => o.params.opt === 'sgd');
    assert.ok(late.length >= 10, JSON.stringify(done.slice(25)));
    assert.ok(
      late.filter((o) => Math.abs((o.params.momentum as number) - 0.9) < 0.15).length >= late.length / 2,
      JSON.stringify(late),
    );
  });
});
