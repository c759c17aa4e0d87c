/**
 * Environment variables a test sets for a while: `saveEnv(names)` remembers their values, and the
 * function it returns puts them back (deleting those that were unset).
 */
export function saveEnv(names: readonly string[]): () => void {
  const saved = names.map((name) => [name, process.env[name]] as const);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
