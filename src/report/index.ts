/** Listing, comparing and reporting runs from their folders' files (never re-running anything). */
export { type ChartOptions, type ChartSeries, lineChart } from './chart.js';
export {
  type CompareOptions,
  type Comparison,
  type ComparisonColumn,
  type ComparisonRow,
  compareRuns,
  metricColumns,
  metricValue,
  parseFilter,
} from './compare.js';
export { differingPaths, flattenConfig, type Scalar, shortLabels } from './flatten.js';
export {
  COMPARE_FORMATS,
  type CompareFormat,
  comparisonCells,
  comparisonCsv,
  comparisonMarkdown,
  comparisonRecords,
  formatDuration,
  formatMetric,
  formatTime,
} from './format.js';
export { buildReport, type ChartInfo, type Report, type ReportOptions } from './html.js';
export {
  type EnsembleInfo,
  findRun,
  listEnsembles,
  listRuns,
  metricDirection,
  type RunInfo,
  type RunListing,
  readRun,
  type TestMetrics,
} from './read.js';
export { chooseRuns, parseLast, parseSince, type RunQuery, selectRuns } from './select.js';
export { configFull, configInShort, epochTable, learningCurves } from './show.js';
