import { Flags } from '@oclif/core';
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
