import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import YAML from 'yaml';
import { ConfigSchema } from '../../src/config/schema.js';
import {
  AJV_OPTIONS,
  PRECOMPILED_VALIDATOR,
  type PrecompiledValidator,
  schemaHash,
  schemaIssues,
  validatedSchema,
} from '../../src/config/validate.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

/**
 * The build precompiles the config schema's validator (scripts/build-config-validator.mjs) so that
 * commands do not compile it at every start. It must be the validator of the current schema, and
 * validate (errors, defaults filled) exactly as one compiled from it.
 */

const require = createRequire(import.meta.url);
const precompiled = require(
  join(PROJECT_ROOT, 'dist', 'config', PRECOMPILED_VALIDATOR),
) as PrecompiledValidator;
const fresh = new Ajv(AJV_OPTIONS).compile(validatedSchema());
// The schema as the registry writes it, every repeated part in place (ajv's default inlining).
const writtenOut = new Ajv({ ...AJV_OPTIONS, inlineRefs: true }).compile(ConfigSchema);

function run(validate: ValidateFunction, value: unknown) {
  const copy = structuredClone(value);
  validate(copy);
  // As JSON: the compiled validator's schemas are TypeBox's objects (with symbol keys), the
  // precompiled one's their JSON.
  const errors = (validate.errors ?? []).map((e: ErrorObject) => ({
    instancePath: e.instancePath,
    schemaPath: e.schemaPath,
    keyword: e.keyword,
    params: e.params,
    parentSchema: e.parentSchema,
  }));
  return { copy, errors: JSON.parse(JSON.stringify(errors)) as unknown };
}

const shippedConfigs = (): Record<string, unknown>[] => {
  const dir = join(PROJECT_ROOT, 'configs');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => YAML.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>);
};

/** A copy of `value` with `change` applied to every mapping under `model` that has a `type`. */
function everyComponent(
  value: Record<string, unknown>,
  change: (c: Record<string, unknown>) => void,
): unknown {
  const copy = structuredClone(value);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const v of Object.values(node)) visit(v);
      if (typeof (node as { type?: unknown }).type === 'string') change(node as Record<string, unknown>);
    }
  };
  // The components under the model, not the model's own mapping (its shape's `type`).
  for (const v of Object.values(copy.model as object)) visit(v);
  return copy;
}

describe('the schema with its repeated parts shared under $defs', () => {
  it('is smaller and refers to its $defs', () => {
    const shared = validatedSchema();
    assert.ok(Object.keys((shared.$defs as object | undefined) ?? {}).length > 0);
    assert.ok(JSON.stringify(shared).length < JSON.stringify(ConfigSchema).length * 0.75);
    assert.match(JSON.stringify(shared), /"\$ref":"#\/\$defs\//);
  });

  it('gives the same issues and defaults as the schema written out, for every model shape and broken layers anywhere', () => {
    const configs = shippedConfigs();
    const values: unknown[] = [
      ...configs,
      ...configs.map((c) => everyComponent(c, (l) => Object.assign(l, { bogusKey: 1 }))),
      ...configs.map((c) =>
        everyComponent(c, (l) => Object.assign(l, { units: 'many', type: `${l.type}x` })),
      ),
      ...configs.map((c) => everyComponent(c, (l) => Object.assign(l, { units: -3, rate: 'high' }))),
      ...configs.map((c) => ({ ...c, data: { ...(c.data as object), features: { pair: ['nope'] } } })),
    ];
    let withIssues = 0;
    for (const value of values) {
      const a = structuredClone(value);
      const b = structuredClone(value);
      const issuesA = schemaIssues(fresh, a);
      const issuesB = schemaIssues(writtenOut, b);
      assert.deepEqual(issuesA, issuesB, JSON.stringify(value).slice(0, 300));
      assert.deepEqual(a, b);
      if (issuesA.length > 0) withIssues += 1;
    }
    assert.ok(withIssues >= configs.length * 3, `only ${withIssues} of ${values.length} broken`);
  });
});

describe('the precompiled config validator', () => {
  it('was made from the current schema', () => {
    assert.equal(precompiled.schemaHash, schemaHash());
  });

  it('validates and fills defaults as a freshly compiled one, on every shipped config and broken ones', () => {
    const dir = join(PROJECT_ROOT, 'configs');
    const configs = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => YAML.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>);
    assert.ok(configs.length >= 5);
    const base = configs[0]!;
    const model = base.model as { layers?: unknown[] };
    const broken: unknown[] = [
      {},
      { ...base, unknownKey: 1 },
      { ...base, model: { type: 'sequentail', layers: [] } },
      { ...base, model: { ...model, layers: [{ type: 'lstmm', units: 4 }] } },
      { ...base, model: { ...model, layers: [{ type: 'dense', units: 'sixty-four' }] } },
      { ...base, training: { epochs: 0, optimizer: { type: 'adam', learningRate: -1 } } },
      { ...base, data: { ...(base.data as object), features: { pair: ['nope'] } } },
    ];
    for (const value of [...configs, ...broken]) {
      const a = run(precompiled, value);
      const b = run(fresh, value);
      assert.deepEqual(a.errors, b.errors, JSON.stringify(value).slice(0, 200));
      assert.deepEqual(a.copy, b.copy);
    }
    assert.ok((run(fresh, broken[3]).errors as unknown[]).length > 0);
  });
});
