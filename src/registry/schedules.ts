import { type TObject, Type } from '@sinclair/typebox';
import { StringEnum } from '../util/schema.js';
import { metrics } from './objectives.js';
import { buildEntry, type ComponentSpec, defineRegistry } from './types.js';
import type { EntryConfig } from './union.js';

/** What a schedule sees at the end of each epoch. */
export interface ScheduleState {
  /** 1-based number of the epoch that just ended. */
  epoch: number;
  learningRate: number;
  /** This epoch's monitored values, e.g. { loss, val_loss, val_accuracy }. */
  logs: Record<string, number>;
  /** The schedule's own memory, kept in checkpoints so a resumed run continues it. */
  memory: Record<string, number>;
}

/** Returns the learning rate for the next epoch. */
export type Schedule = (state: ScheduleState) => number;

/** Names a monitor may take: the loss and each metric, on the training or the validation split. */
export const MONITORS = [
  'loss',
  ...metrics.names,
  'val_loss',
  ...metrics.names.map((m) => `val_${m}`),
] as const;
export const Monitor = (def: string) =>
  StringEnum(MONITORS as readonly string[], {
    default: def,
    description: 'Value watched (val_* on the validation split)',
  });

/** Whether a monitored value improves by going down (losses) or up (metrics). */
export function monitorMode(monitor: string): 'min' | 'max' {
  return /loss|binaryCrossentropy/.test(monitor) ? 'min' : 'max';
}

function schedule<const N extends string, P extends TObject>(spec: ComponentSpec<N, P, Schedule, undefined>) {
  return spec;
}

const step = schedule({
  name: 'step',
  description: 'Multiply the learning rate by `factor` every `every` epochs',
  params: Type.Object({
    every: Type.Integer({ minimum: 1, default: 3, description: 'Epochs between drops' }),
    factor: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'Multiplier at each drop',
    }),
  }),
  build: (p) => (s) => (s.epoch % p.every === 0 ? s.learningRate * p.factor : s.learningRate),
});

const exponential = schedule({
  name: 'exponential',
  description: 'Multiply the learning rate by `decayRate` after every epoch',
  params: Type.Object({
    decayRate: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 0.9,
      description: 'Multiplier per epoch',
    }),
  }),
  build: (p) => (s) => s.learningRate * p.decayRate,
});

const reduceOnPlateau = schedule({
  name: 'reduceOnPlateau',
  description: 'Multiply the learning rate by `factor` when `monitor` has not improved for `patience` epochs',
  params: Type.Object({
    monitor: Monitor('val_loss'),
    factor: Type.Number({
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      default: 0.1,
      description: 'Multiplier',
    }),
    patience: Type.Integer({
      minimum: 0,
      default: 2,
      description: 'Epochs without improvement before a drop',
    }),
    minDelta: Type.Number({
      minimum: 0,
      default: 0.0001,
      description: 'Smallest change that counts as improvement',
    }),
    minLearningRate: Type.Number({ minimum: 0, default: 0, description: 'Never go below this' }),
  }),
  build: (p) => (s) => {
    const value = s.logs[p.monitor];
    if (value === undefined) return s.learningRate;
    const sign = monitorMode(p.monitor) === 'min' ? 1 : -1;
    const best = s.memory.best;
    if (best === undefined || sign * (best - value) > p.minDelta) {
      s.memory.best = value;
      s.memory.wait = 0;
      return s.learningRate;
    }
    s.memory.wait = (s.memory.wait ?? 0) + 1;
    if (s.memory.wait > p.patience) {
      s.memory.wait = 0;
      return Math.max(p.minLearningRate, s.learningRate * p.factor);
    }
    return s.learningRate;
  },
});

export const schedules = defineRegistry(
  'learning-rate schedule',
  [step, exponential, reduceOnPlateau] as const,
  {
    title: 'learning-rate schedule',
    description: 'How the learning rate changes between epochs',
  },
);
export type ScheduleConfig = EntryConfig<(typeof schedules.list)[number]>;

export function buildSchedule(config: ScheduleConfig): Schedule {
  return buildEntry(schedules, config, undefined);
}
