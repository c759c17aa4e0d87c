import type { TObject, TSchema } from '@sinclair/typebox';
import { describeSchema } from '../util/schema.js';
import { layers } from './layers.js';
import { models } from './models.js';
import { losses, metrics } from './objectives.js';
import { optimizers } from './optimizers.js';
import { schedules } from './schedules.js';

/** One parameter of a registry entry, as `qqp registry` shows it. */
export interface ParamInfo {
  name: string;
  /** What values it takes, in words: `an integer >= 1`, `one of "pre", "post"`. */
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
}

export interface ComponentInfo {
  name: string;
  description: string;
  params: ParamInfo[];
}

export interface RegistryCatalog {
  models: ComponentInfo[];
  layers: ComponentInfo[];
  optimizers: ComponentInfo[];
  losses: ComponentInfo[];
  metrics: ComponentInfo[];
  schedules: ComponentInfo[];
}

export const REGISTRY_KINDS = ['models', 'layers', 'optimizers', 'losses', 'metrics', 'schedules'] as const;
export type RegistryKind = (typeof REGISTRY_KINDS)[number];

function paramsOf(schema: TObject): ParamInfo[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, s]: [string, TSchema]) => {
    const sch = s as Record<string, unknown>;
    const type =
      Array.isArray(sch.oneOf) && typeof sch.title === 'string'
        ? `a ${sch.title} ({ type: ... })`
        : describeSchema(sch);
    return {
      name,
      type:
        sch.type === 'array' && sch.items
          ? `a list of ${describeSchema(sch.items as Record<string, unknown>)}`
          : type,
      required: required.has(name) && !('default' in sch),
      ...('default' in sch ? { default: sch.default } : {}),
      description: (sch.description as string | undefined) ?? '',
    };
  });
}

function entries(list: readonly { name: string; description: string; params: TObject }[]): ComponentInfo[] {
  return list.map((e) => ({ name: e.name, description: e.description, params: paramsOf(e.params) }));
}

/** Every component qqp knows, with its parameters: derived from the registry, never listed by hand. */
export function registryCatalog(): RegistryCatalog {
  return {
    models: entries(models.list),
    layers: entries(layers.list),
    optimizers: entries(optimizers.list),
    losses: entries(losses.list),
    metrics: entries(metrics.list),
    schedules: entries(schedules.list),
  };
}
