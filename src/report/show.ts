import type { EpochRecord } from '../runs/records.js';
import { type ChartSeries, lineChart } from './chart.js';
import { flattenConfig, formatScalarList } from './flatten.js';
import { formatDuration, formatMetric } from './format.js';
import type { RunInfo } from './read.js';

/** What `qqp show` tells about one run: its config in short, its epochs, its learning curves. */

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalar(v: unknown): string {
  if (Array.isArray(v)) return formatScalarList(v);
  return String(v);
}

/** The parameters that say most about a layer, in the order shown. */
const LAYER_KEYS = [
  'units',
  'outputDim',
  'filters',
  'kernelSize',
  'poolSize',
  'rate',
  'activation',
  'returnSequences',
  'mergeMode',
] as const;

/** `lstm(units=64)`, `bidirectional(lstm(units=64))`, `dense(units=1, activation=sigmoid)`. */
export function layerBrief(layer: unknown): string {
  if (!isObject(layer)) return scalar(layer);
  const parts: string[] = [];
  if (isObject(layer.layer)) parts.push(layerBrief(layer.layer));
  for (const k of LAYER_KEYS) {
    const v = layer[k];
    if (v === undefined || v === false) continue;
    // Recurrent layers' tanh is their default; naming it on every LSTM is noise.
    if (k === 'activation' && v === 'tanh' && layer.recurrentActivation !== undefined) continue;
    parts.push(`${k}=${scalar(v)}`);
  }
  const type = typeof layer.type === 'string' ? layer.type : '?';
  return parts.length ? `${type}(${parts.join(', ')})` : type;
}

function stack(v: unknown): string {
  return Array.isArray(v) ? v.map(layerBrief).join(' → ') : '-';
}

function pick(o: Record<string, unknown>, keys: readonly string[]): string {
  return keys
    .filter((k) => o[k] !== undefined && !isObject(o[k]) && !(Array.isArray(o[k]) && o[k].length === 0))
    .map((k) => `${k} ${scalar(o[k])}`)
    .join(', ');
}

/** The config as a few lines, one per aspect; `qqp show --full` gives every value. */
export function configInShort(config: Record<string, unknown> | null): { key: string; value: string }[] {
  if (!config) return [];
  const out: { key: string; value: string }[] = [];
  const exp = isObject(config.experiment) ? config.experiment : {};
  const data = isObject(config.data) ? config.data : {};
  const model = isObject(config.model) ? config.model : {};
  const training = isObject(config.training) ? config.training : {};

  const expText = pick(exp, ['name', 'seed', 'tags']);
  if (expText) out.push({ key: 'experiment', value: expText });

  const named = (v: unknown) =>
    typeof v === 'string' ? v : Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(' + ') : '';
  const sources = ['source', 'train', 'validation', 'test'].filter((k) => named(data[k]) !== '');
  if (sources.length)
    out.push({ key: 'data', value: sources.map((k) => `${k} ${named(data[k])}`).join(', ') });
  // The split applies to `source` files only; explicit train/test files are used as they are.
  const split = isObject(data.split) && data.source !== undefined ? data.split : null;
  const dataBits = [
    data.limit !== undefined ? `limit ${scalar(data.limit)}` : '',
    split
      ? `split ${[split.train, split.validation, split.test].filter((x) => x !== undefined).join('/')}`
      : '',
    isObject(data.encoding) ? pick(data.encoding, ['pair', 'maxLength']) : '',
    isObject(data.vocabulary)
      ? pick(data.vocabulary, ['maxSize', 'minCount']).replace(/^/, 'vocabulary ')
      : '',
  ].filter(Boolean);
  if (dataBits.length) out.push({ key: '', value: dataBits.join('; ') });

  const type = typeof model.type === 'string' ? model.type : '?';
  if (Array.isArray(model.layers)) out.push({ key: 'model', value: `${type}: ${stack(model.layers)}` });
  else if (Object.keys(model).length) {
    const parts = Object.entries(model)
      .filter(([k]) => k !== 'type')
      .map(([k, v]) => `${k} ${Array.isArray(v) && v.some(isObject) ? stack(v) : scalar(v)}`);
    out.push({ key: 'model', value: `${type}: ${parts.join('; ')}` });
  }

  const opt = isObject(training.optimizer) ? training.optimizer : {};
  const trainBits = [
    pick(training, ['epochs', 'batchSize']),
    typeof opt.type === 'string'
      ? `${opt.type}${opt.learningRate !== undefined ? ` lr ${scalar(opt.learningRate)}` : ''}`
      : '',
    typeof training.loss === 'string' ? `loss ${training.loss}` : '',
    isObject(training.lrSchedule) ? `schedule ${layerBrief(training.lrSchedule).replace(/=/g, ' ')}` : '',
    isObject(training.earlyStopping)
      ? `early stopping (${pick(training.earlyStopping, ['monitor', 'patience'])})`
      : '',
    training.classWeight !== undefined ? `classWeight ${JSON.stringify(training.classWeight)}` : '',
    typeof training.backend === 'string' ? `backend ${training.backend}` : '',
  ].filter(Boolean);
  if (trainBits.length) out.push({ key: 'training', value: trainBits.join(', ') });
  return out;
}

/** Every config value, one `path: value` per entry. */
export function configFull(config: Record<string, unknown> | null): { key: string; value: string }[] {
  return [...flattenConfig(config ?? {})].map(([key, value]) => ({ key, value: String(value) }));
}

const BOOKKEEPING = ['epoch', 'learningRate', 'seconds', 'examplesPerSecond'];

/** Prefixes of per-epoch figures on a held-out split, and what each split is called on a chart. */
const HELD_OUT = ['val_', 'test_'] as const;
const HELD_OUT_LABEL = { val_: 'validation', test_: 'test' } as const;
const isHeldOut = (k: string) => HELD_OUT.some((p) => k.startsWith(p));

/**
 * The metrics of the epoch records, each followed by its held-out twin: loss, val_loss, accuracy,
 * ... (test_loss, ... for a run whose per-epoch figures are on the test split).
 */
export function epochMetricNames(history: readonly EpochRecord[]): string[] {
  const keys: string[] = [];
  for (const r of history)
    for (const k of Object.keys(r)) if (!BOOKKEEPING.includes(k) && !keys.includes(k)) keys.push(k);
  const train = keys.filter((k) => !isHeldOut(k));
  const ordered: string[] = [];
  for (const k of train) {
    ordered.push(k);
    for (const p of HELD_OUT) if (keys.includes(`${p}${k}`)) ordered.push(`${p}${k}`);
  }
  for (const k of keys) if (!ordered.includes(k)) ordered.push(k);
  return ordered;
}

export function epochTable(run: RunInfo): { head: string[]; rows: string[][] } {
  const names = epochMetricNames(run.history);
  const head = ['epoch', ...names, 'lr', 'time', 'ex/s'];
  const rows = run.history.map((r) => [
    `${r.epoch}${r.epoch === run.bestEpoch ? ' *' : ''}`,
    ...names.map((n) => formatMetric(r[n])),
    typeof r.learningRate === 'number' ? Number(r.learningRate.toPrecision(4)).toString() : '-',
    formatDuration(r.seconds),
    typeof r.examplesPerSecond === 'number' ? Math.round(r.examplesPerSecond).toLocaleString('en-US') : '-',
  ]);
  return { head, rows };
}

/** The metrics drawn as curves: loss and accuracy, and the monitor if it is another one. */
export function curveMetrics(run: RunInfo): string[] {
  const names = epochMetricNames(run.history).filter((n) => !isHeldOut(n));
  const base = (run.monitor ?? 'loss').replace(/^(val|test)_/, '');
  const wanted = [...new Set(['loss', 'accuracy', base])];
  return wanted.filter(
    (m) =>
      names.includes(m) || run.history.some((r) => HELD_OUT.some((p) => typeof r[`${p}${m}`] === 'number')),
  );
}

export function curveSeries(run: RunInfo, metric: string): ChartSeries[] {
  const series = (key: string, label: string): ChartSeries => ({
    label,
    points: run.history.flatMap((r) => (typeof r[key] === 'number' ? [{ x: r.epoch, y: r[key] }] : [])),
  });
  return [series(metric, 'train'), ...HELD_OUT.map((p) => series(`${p}${metric}`, HELD_OUT_LABEL[p]))].filter(
    (s) => s.points.length > 0,
  );
}

/** One terminal chart per curve metric, train against validation (or test, without validation). */
export function learningCurves(run: RunInfo, options: { color: boolean; width?: number }): string[] {
  return curveMetrics(run).map((m) =>
    lineChart(curveSeries(run, m), {
      title: m,
      color: options.color,
      xLabel: 'epoch',
      ...(options.width ? { width: options.width } : {}),
    }),
  );
}
