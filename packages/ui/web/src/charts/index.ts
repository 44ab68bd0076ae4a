// The charts of runlog ui: what the run page and the compare view import.
export { MetricChart, type MetricChartProps } from './metric-chart.js';
export { ChartSettingsBar, type ChartSettingsBarProps } from './chart-settings-bar.js';
export { useHashChartSettings } from './use-hash-settings.js';
export { DEFAULT_CHART_SETTINGS, parseChartSettings, writeChartSettings, type ChartSettings } from './chart-settings.js';
export { runColor, RUN_COLORS } from './colors.js';
export { LIVE_POLL_MS, type ChartRun } from './use-run-series.js';
export type { XAxisMode } from './x-axis.js';
