import { Args, Flags } from '@oclif/core';
import { type ColumnMapping, parseColumnMapping } from '../data/formats/columns.js';
import { UsageError } from '../errors.js';
import type { CompareOptions } from '../report/compare.js';

/** Flags shared by the commands that read a config. */
export const configFlags = {
  set: Flags.string({
    char: 's',
    multiple: true,
    description:
      'Override a config value, typed by the schema: --set training.batchSize=64 (repeatable); PATH=null removes the key, so its default applies',
    helpValue: 'PATH=VALUE',
  }),
};

/** Where run folders live. */
export const experimentsDirFlag = {
  'experiments-dir': Flags.string({
    description: 'Folder of run folders',
    default: 'experiments',
    env: 'QQP_EXPERIMENTS_DIR',
  }),
};

/** The sweep that `qqp sweep status` and `qqp sweep cancel` act on, and where its queue is. */
export const sweepRefArgs = {
  id: Args.string({ description: 'The sweep (its id or folder)', required: true }),
};
export const sweepQueueFlags = {
  ...experimentsDirFlag,
  queue: Flags.string({
    description: "The sweep's Redis queue (default: the one its manifest records)",
    helpValue: 'redis://HOST:PORT',
  }),
  'queue-name': Flags.string({
    description: "Name of the BullMQ queue (default: the manifest's, else qqp-trials)",
  }),
};

/** The options those flags give the library: only the ones given. */
export function sweepQueueOptions(
  id: string,
  flags: { 'experiments-dir': string; queue?: string | undefined; 'queue-name'?: string | undefined },
): { ref: string; experimentsDir: string; queue?: string; queueName?: string } {
  return {
    ref: id,
    experimentsDir: flags['experiments-dir'],
    ...(flags.queue ? { queue: flags.queue } : {}),
    ...(flags['queue-name'] ? { queueName: flags['queue-name'] } : {}),
  };
}

/** Flags that pick runs and shape the comparison table (`qqp compare`, `qqp report`). */
export const comparisonFlags = {
  sweep: Flags.string({ description: 'The runs of this sweep', helpValue: 'ID' }),
  last: Flags.integer({ description: 'The newest N runs (of those chosen otherwise)', helpValue: 'N' }),
  'all-params': Flags.boolean({ description: 'Show every config value, not only those that differ' }),
  param: Flags.string({
    description: 'Show this config value (or every value under it); repeatable',
    helpValue: 'PATH',
    multiple: true,
  }),
  metric: Flags.string({
    description:
      'Validation metric to show best and last values of (default: the monitor, val_loss, val_accuracy); repeatable',
    helpValue: 'NAME',
    multiple: true,
  }),
  'sort-by': Flags.string({
    description:
      'Order by this column, best first for metrics: best_val_loss (or val_loss), test_accuracy, time, a config path...',
    helpValue: 'METRIC',
  }),
  filter: Flags.string({
    description: 'Keep the runs where PATH=VALUE holds (also !=, >, >=, <, <=); repeatable, all must hold',
    helpValue: 'PATH=VALUE',
    multiple: true,
  }),
};

/** The comparison-table options those flags give. */
export function compareOptionsFrom(flags: {
  'all-params': boolean;
  param?: string[];
  metric?: string[];
  'sort-by'?: string;
  filter?: string[];
}): CompareOptions {
  return {
    allParams: flags['all-params'],
    ...(flags.param ? { params: flags.param } : {}),
    ...(flags.metric ? { metrics: flags.metric } : {}),
    ...(flags['sort-by'] ? { sortBy: flags['sort-by'] } : {}),
    ...(flags.filter ? { filters: flags.filter } : {}),
  };
}

/** The column names of a data file, as `data.columns` (`qqp data stats`, `eval --data`, `predict --data`). */
export const columnsFlag = {
  columns: Flags.string({
    description: "The file's column names, as data.columns: question1=NAME,question2=NAME,label=NAME,id=NAME",
    helpValue: 'FIELD=NAME,...',
  }),
};

/** `--columns` parsed; a malformed value is a usage error (exit 2). */
export function parseColumnsFlag(value: string | undefined): ColumnMapping | undefined {
  if (value === undefined) return undefined;
  const columns = parseColumnMapping(value);
  if ('problem' in columns) {
    throw new UsageError('USAGE_COLUMNS', `--columns: ${columns.problem}`, {
      suggestions: ['e.g. --columns question1=text_a,question2=text_b,label=dup'],
    });
  }
  return columns;
}

/**
 * A --threshold flag's text as a probability (undefined: `fallback`); anything but a number from 0
 * to 1 is a UsageError (code PREDICT_BAD_THRESHOLD, as `qqp predict` has always reported it).
 */
export function parseThreshold(text: string | undefined, fallback = 0.5): number {
  if (text === undefined) return fallback;
  const t = Number(text);
  if (text.trim() === '' || !Number.isFinite(t) || t < 0 || t > 1) {
    throw new UsageError('PREDICT_BAD_THRESHOLD', `--threshold must be a number from 0 to 1, got "${text}"`, {
      suggestions: ['e.g. --threshold 0.5, or the F1-best threshold that `qqp eval` reports'],
    });
  }
  return t;
}
