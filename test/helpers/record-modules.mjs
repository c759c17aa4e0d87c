// Records every module a process loads, for test/cli/startup.test.ts: run a program with
// `node --import <this file>` and QQP_MODULE_LOG=<file>; each ES module's resolved URL is appended to
// the file as it is resolved (a resolve hook, in the hooks' own thread), and every CommonJS module's
// path when the process exits (require.cache, which also holds CommonJS modules imported from ESM).
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.QQP_MODULE_LOG;
if (log) {
  const hooks = `
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const r = await next(specifier, context);
      appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
      return r;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  const require = createRequire(import.meta.url);
  process.on('exit', () => {
    const paths = Object.keys(require.cache);
    if (paths.length > 0) appendFileSync(log, `${paths.join('\n')}\n`);
  });
}
