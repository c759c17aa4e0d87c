// Writes dist/config/config-validator.cjs: the config schema's ajv validator as standalone code,
// compiled here once instead of in every process that loads a config (compiling takes most of a
// second, loading the code a tenth of one). It records the hash of the schema it was made from;
// src/config/validate.ts uses it only when that hash is the current schema's, and compiles the
// schema itself otherwise (running from src/, or a dist/ built without this step). Run by
// `npm run build`, after tsc.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { AJV_OPTIONS, PRECOMPILED_VALIDATOR, schemaHash, validatedSchema } = await import(
  join(root, 'dist', 'config', 'validate.js')
);

const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
const code = standaloneCode.default(ajv, ajv.compile(validatedSchema()));
const file = join(root, 'dist', 'config', PRECOMPILED_VALIDATOR);
writeFileSync(file, `${code}\nmodule.exports.schemaHash = ${JSON.stringify(schemaHash())};\n`);
console.log(`dist/config/${PRECOMPILED_VALIDATOR}: ${(code.length / 1e6).toFixed(1)} MB`);
