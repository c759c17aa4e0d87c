import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openPredictor, type Predictor } from '../../src/eval/predictor.js';
import { createServer } from '../../src/serve/server.js';
import { makeTinyRun, type TinyRun } from '../eval/fixture.js';

let run: TinyRun;
let predictor: Predictor;
let app: FastifyInstance;

const Q1 = 'How do I learn Go?';
const Q2 = 'What is the best way to learn Go?';
const PAIRS = [
  { question1: Q1, question2: Q2 },
  { question1: 'Why do cats purr?', question2: 'How do cats purr?' },
  { question1: 'Who invented chess?', question2: 'Where can I buy coffee in Paris?' },
];

before(async () => {
  run = await makeTinyRun();
  predictor = await openPredictor({ run: run.dir, experimentsDir: run.experimentsDir, backend: 'cpu' });
  // Small limits, so the 413 cases stay small.
  app = createServer(predictor, { maxPairs: 5, bodyLimit: 4096 });
});

after(async () => {
  await app?.close();
  predictor?.dispose();
  if (run) rmSync(run.tmp, { recursive: true, force: true });
});

async function post(payload: string, contentType: string | null = 'application/json') {
  const r = await app.inject({
    method: 'POST',
    url: '/predict',
    payload,
    headers: contentType ? { 'content-type': contentType } : {},
  });
  return { status: r.statusCode, json: r.json() as Record<string, unknown>, type: r.headers['content-type'] };
}

/** A 4xx/5xx answer: its status, the one error shape, and its code and message. */
function assertError(
  r: { status: number; json: Record<string, unknown>; type?: unknown },
  status: number,
  code: string,
  message: RegExp,
) {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.match(String(r.type), /^application\/json/);
  assert.deepEqual(Object.keys(r.json), ['error']);
  const error = r.json.error as { code: string; message: string };
  assert.deepEqual(Object.keys(error).sort(), ['code', 'message']);
  assert.equal(error.code, code);
  assert.match(error.message, message);
}

describe('POST /predict', () => {
  it("answers one pair with the predictor's own probability, exactly", async () => {
    const r = await post(JSON.stringify({ question1: Q1, question2: Q2 }));
    assert.equal(r.status, 200);
    const expected = predictor.probabilities([{ question1: Q1, question2: Q2 }])[0]!;
    assert.deepEqual(r.json, {
      probability: expected,
      prediction: expected >= 0.5 ? 1 : 0,
      label: expected >= 0.5 ? 'duplicate' : 'not duplicate',
    });
  });

  it('answers a list ({pairs} or a bare list) in the order of the pairs', async () => {
    const expected = [...predictor.probabilities(PAIRS)];
    assert.equal(new Set(expected).size, PAIRS.length, 'the pairs have distinct probabilities');
    for (const body of [{ pairs: PAIRS }, PAIRS, { pairs: [...PAIRS].reverse() }]) {
      const r = await post(JSON.stringify(body));
      assert.equal(r.status, 200);
      const got = (r.json.predictions as { probability: number }[]).map((p) => p.probability);
      const reversed = !Array.isArray(body) && body.pairs[0] !== PAIRS[0];
      assert.deepEqual(got, reversed ? [...expected].reverse() : expected);
    }
  });

  it('labels at the threshold given (at or above is duplicate)', async () => {
    const p = predictor.probabilities([PAIRS[0]!])[0]!;
    const at = await post(JSON.stringify({ ...PAIRS[0], threshold: p }));
    assert.deepEqual([at.json.prediction, at.json.label], [1, 'duplicate']);
    const above = await post(JSON.stringify({ pairs: [PAIRS[0]], threshold: Math.min(1, p + 1e-6) }));
    assert.deepEqual((above.json.predictions as { prediction: number }[])[0]!.prediction, 0);
  });

  it('reads the body as JSON whatever the Content-Type (curl -d sends form-urlencoded), or none', async () => {
    const body = JSON.stringify({ question1: Q1, question2: Q2 });
    const expected = predictor.probabilities([{ question1: Q1, question2: Q2 }])[0]!;
    for (const type of [
      'application/x-www-form-urlencoded',
      'text/plain',
      'text/plain; charset=utf-8',
      null,
    ]) {
      const r = await post(body, type);
      assert.equal(r.status, 200, `${type}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.probability, expected);
    }
  });

  it('scores concurrent requests together: fewer model calls than requests', async () => {
    const before = (
      (await app.inject({ url: '/health' })).json() as { served: { calls: number; requests: number } }
    ).served;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => post(JSON.stringify(PAIRS[i % PAIRS.length]))),
    );
    const expected = [...predictor.probabilities(PAIRS)];
    for (const [i, r] of answers.entries()) assert.equal(r.json.probability, expected[i % PAIRS.length]);
    const now = (
      (await app.inject({ url: '/health' })).json() as { served: { calls: number; requests: number } }
    ).served;
    assert.equal(now.requests - before.requests, 8);
    assert.ok(now.calls - before.calls < 8, `${now.calls - before.calls} model calls for 8 requests`);
  });

  it('answers 400 naming the field for a missing field, a wrong type, an empty question, an unknown field', async () => {
    assertError(
      await post(JSON.stringify({ question1: Q1 })),
      400,
      'BAD_REQUEST',
      /^question2 is missing: send \{"question1"/,
    );
    assertError(
      await post(JSON.stringify({ question1: 3, question2: Q2 })),
      400,
      'BAD_REQUEST',
      /^question1 must be a string, got number 3$/,
    );
    assertError(
      await post(JSON.stringify({ question1: ' \t', question2: Q2 })),
      400,
      'BAD_REQUEST',
      /^question1 is empty: give both questions$/,
    );
    assertError(
      await post(JSON.stringify({ pairs: [PAIRS[0], { question1: Q1, question2: '' }] })),
      400,
      'BAD_REQUEST',
      /^pairs\[1\]\.question2 is empty/,
    );
    assertError(
      await post(JSON.stringify([PAIRS[0], { question1: Q1 }, 5])),
      400,
      'BAD_REQUEST',
      /^\[1\] has no question2: .*; \[2\] must be a pair .*got number 5$/,
    );
    assertError(
      await post(JSON.stringify({ question1: Q1, question2: Q2, question3: 'x' })),
      400,
      'BAD_REQUEST',
      /unknown field "question3" \(did you mean "question1"\?\)/,
    );
    assertError(
      await post(JSON.stringify({ pairs: 'x' })),
      400,
      'BAD_REQUEST',
      /^pairs must be a list of pairs, got the string "x"$/,
    );
  });

  it('answers 400 for a body that is not JSON, empty, or not an object or list', async () => {
    assertError(await post('{"question1":'), 400, 'INVALID_JSON', /^the body is not valid JSON \(.+\): send/);
    assertError(
      await post('question1=a&question2=b', 'application/x-www-form-urlencoded'),
      400,
      'INVALID_JSON',
      /JSON/,
    );
    assertError(await post(''), 400, 'EMPTY_BODY', /^the body is empty/);
    assertError(await post('', null), 400, 'EMPTY_BODY', /^the body is empty/);
    assertError(await post('"hello"'), 400, 'BAD_REQUEST', /^the body is the string "hello": send/);
    assertError(await post('null'), 400, 'BAD_REQUEST', /^the body is null: send/);
  });

  it('answers 400 for an empty list and a threshold outside [0, 1] or not a number', async () => {
    assertError(await post('[]'), 400, 'BAD_REQUEST', /^the list is empty: give at least one pair$/);
    assertError(await post('{"pairs": []}'), 400, 'BAD_REQUEST', /^pairs is empty: give at least one pair$/);
    assertError(
      await post(JSON.stringify({ ...PAIRS[0], threshold: 1.5 })),
      400,
      'BAD_REQUEST',
      /^threshold must be a number from 0 to 1, got 1.5$/,
    );
    assertError(
      await post(JSON.stringify({ pairs: PAIRS, threshold: '0.5' })),
      400,
      'BAD_REQUEST',
      /^threshold must be a number from 0 to 1, got the string "0.5"$/,
    );
  });

  it('answers 413 for more pairs than a request may hold, and for a body over the size limit', async () => {
    const six = Array.from({ length: 6 }, () => PAIRS[0]);
    assertError(
      await post(JSON.stringify(six)),
      413,
      'TOO_MANY_PAIRS',
      /has 6 pairs, more than the 5 a request may hold/,
    );
    assertError(await post(JSON.stringify({ pairs: six })), 413, 'TOO_MANY_PAIRS', /^pairs has 6 pairs/);
    assertError(
      await post(JSON.stringify({ question1: 'why '.repeat(2000), question2: Q2 })),
      413,
      'BODY_TOO_LARGE',
      /larger than the 4 KiB a request may be/,
    );
    // And the server still answers.
    assert.equal((await post(JSON.stringify(PAIRS[0]))).status, 200);
  });
});

describe('the other routes', () => {
  it('GET /health says ok, the run and what was served', async () => {
    const r = await app.inject({ url: '/health' });
    assert.equal(r.statusCode, 200);
    const h = r.json() as { status: string; run: string; backend: string; served: Record<string, number> };
    assert.equal(h.status, 'ok');
    assert.equal(h.run, run.id);
    assert.equal(h.backend, 'cpu');
    assert.ok(h.served.requests! > 0 && h.served.pairs! >= h.served.requests! && h.served.calls! > 0);
  });

  it("GET /model describes the run, the model, the vocabulary and the run's metrics", async () => {
    const r = await app.inject({ url: '/model' });
    assert.equal(r.statusCode, 200);
    const m = r.json();
    assert.equal(m.run.id, run.id);
    assert.equal(m.run.status, 'completed');
    assert.equal(m.config.name, 'tiny');
    assert.equal(m.config.modelType, 'sequential');
    assert.equal(m.vocabulary.size, predictor.run.vocabulary.size);
    assert.equal(m.vocabulary.settings.maxSize, 300);
    assert.deepEqual(m.tokenizer, { ...predictor.run.vocabulary.tokenizerConfig });
    assert.equal(m.encoding.maxLength, 8);
    assert.equal(m.model.parameters, predictor.model.countParams());
    assert.deepEqual(
      m.model.inputs.map((i: { name: string }) => i.name),
      predictor.model.inputs.map((i) => i.name),
    );
    assert.equal(m.metrics.test.count, 60, "tiny.yaml's test split: 15% of 400");
    assert.equal(typeof m.metrics.test.accuracy, 'number');
    assert.equal(typeof m.metrics.validation.val_loss, 'number');
    assert.equal(m.backend, 'cpu');
    assert.deepEqual(m.limits, { maxPairs: 5, bodyLimit: 4096, maxBatch: 256 });
    assert.ok(!JSON.stringify(m).includes(run.tmp), 'no file paths');
  });

  it('GET /openapi.json lists every route with the schemas they use', async () => {
    const r = await app.inject({ url: '/openapi.json' });
    assert.equal(r.statusCode, 200);
    const doc = r.json();
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/health', '/model', '/openapi.json', '/predict']);
    assert.deepEqual(Object.keys(doc.paths['/predict']), ['post']);
    const body = doc.paths['/predict'].post.requestBody.content['application/json'].schema;
    assert.equal(body.oneOf.length, 3);
    assert.deepEqual(body.oneOf[0].required, ['question1', 'question2']);
    assert.equal(body.oneOf[1].properties.pairs.maxItems, 5);
    assert.deepEqual(Object.keys(doc.paths['/predict'].post.responses).sort(), ['200', '400', '413', '500']);
    assert.deepEqual(
      doc.paths['/predict'].post.responses['400'].content['application/json'].schema.required,
      ['error'],
    );
    assert.ok(
      doc.paths['/model'].get.responses['200'].content['application/json'].schema.properties.vocabulary,
    );
  });

  it('answers an unknown route 404 and a known one with the wrong method 405, in the error shape', async () => {
    const nf = await app.inject({ url: '/predictions' });
    assertError(
      { status: nf.statusCode, json: nf.json(), type: nf.headers['content-type'] },
      404,
      'NOT_FOUND',
      /^no route GET \/predictions; the routes are POST \/predict, GET \/health/,
    );
    const na = await app.inject({ url: '/predict' });
    assertError(
      { status: na.statusCode, json: na.json(), type: na.headers['content-type'] },
      405,
      'METHOD_NOT_ALLOWED',
      /^GET \/predict: \/predict takes POST$/,
    );
    assert.equal(na.headers.allow, 'POST');
  });
});

describe('a model failure', () => {
  it('is answered 500 in the error shape, and the server keeps serving', async () => {
    const failing: Predictor = {
      ...predictor,
      probabilities(pairs, batchSize) {
        if (pairs.some((p) => p.question1 === 'explode')) throw new Error('out of memory (simulated)');
        return predictor.probabilities(pairs, batchSize);
      },
      dispose() {},
    };
    const server = createServer(failing);
    try {
      const bad = await server.inject({
        method: 'POST',
        url: '/predict',
        payload: { question1: 'explode', question2: Q2 },
      });
      assertError(
        { status: bad.statusCode, json: bad.json(), type: bad.headers['content-type'] },
        500,
        'INTERNAL',
        /^the model failed on this request: out of memory \(simulated\)$/,
      );
      const good = await server.inject({ method: 'POST', url: '/predict', payload: PAIRS[0] });
      assert.equal(good.statusCode, 200);
      assert.equal(good.json().probability, predictor.probabilities([PAIRS[0]!])[0]);
    } finally {
      await server.close();
    }
  });
});
