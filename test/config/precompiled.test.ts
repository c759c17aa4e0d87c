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
const fresh = new Ajv(AJV_OPTIONS).compile(ConfigSchema);

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
