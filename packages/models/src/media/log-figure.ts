import { posix } from 'node:path';
import { InvalidArgumentError } from '@runlog/core';
import { putArtifactFiles, resolveRunTarget, type RunTarget } from './run-artifacts.js';

/**
 * Logs a Vega-Lite chart as two artifacts, `<name>.vl.json` (the spec, to re-render or edit) and
 * `<name>.html`, a self-contained page that MLflow's artifact viewer shows.
 *
 * The page holds the chart as a static SVG rendered here with Vega, not Vega's JavaScript: an
 * interactive page without a CDN would carry ~1 MB of inlined Vega code per figure, where the SVG
 * page weighs kilobytes, needs no script or network, and shows in MLflow's artifact viewer (an
 * iframe with `sandbox="allow-scripts"`) and wherever scripts are blocked. Interactivity is what
 * is given up; the `.vl.json` spec re-renders the interactive chart. Vega and Vega-Lite are
 * optional peers, loaded on the first logFigure (`npm install vega vega-lite`).
 */
export interface LogFigureOptions extends RunTarget {}

type VegaModule = {
  View: new (runtime: unknown, opts: { renderer: 'none' }) => { toSVG(): Promise<string>; finalize(): void };
  parse(spec: unknown): unknown;
};
type VegaLiteModule = { compile(spec: unknown): { spec: unknown } };

async function loadVega(): Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> {
  try {
    const [vega, vegaLite] = await Promise.all([import('vega' as string), import('vega-lite' as string)]);
    return { vega: vega as VegaModule, vegaLite: vegaLite as VegaLiteModule };
  } catch (err) {
    throw new InvalidArgumentError('logFigure needs the packages vega and vega-lite: npm install vega vega-lite', { cause: err });
  }
}

/** Renders a Vega-Lite spec to SVG text. */
export async function renderVegaLiteSvg(spec: Record<string, unknown>): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  let runtime: unknown;
  try {
    // Vega marks the data objects it ingests: render a copy, so the caller's spec stays as it was.
    runtime = vega.parse(vegaLite.compile(structuredClone(spec)).spec);
  } catch (err) {
    throw new InvalidArgumentError(`logFigure: not a valid Vega-Lite spec: ${(err as Error).message}`);
  }
  const view = new vega.View(runtime, { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The HTML page: the SVG inline, and the spec in a non-executed JSON block. */
export function figureHtml(svg: string, spec: Record<string, unknown>): string {
  const title = typeof spec.title === 'string' ? spec.title : typeof spec.description === 'string' ? spec.description : 'Vega-Lite chart';
  // `</` inside the JSON block would end the script element early.
  const specJson = JSON.stringify(spec, null, 2).replace(/<\//g, '<\\/');
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{margin:0;padding:8px;background:#fff;font-family:sans-serif}</style>',
    '</head><body>',
    svg,
    `<script type="application/json" id="vega-lite-spec">${specJson}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * Logs `spec` (a Vega-Lite spec with inline data) as `<artifactFile minus .html>.vl.json` and
 * `artifactFile` (default extension .html). Example: `logFigure(spec, 'plots/loss.html')`.
 */
export async function logFigure(spec: Record<string, unknown>, artifactFile: string, opts: LogFigureOptions = {}): Promise<void> {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new InvalidArgumentError('logFigure: the figure must be a Vega-Lite spec object.');
  if (typeof artifactFile !== 'string' || !/\.html?$/i.test(artifactFile)) {
    throw new InvalidArgumentError(`logFigure: the artifact file must end in .html; got '${String(artifactFile)}'.`);
  }
  const { runId, client } = resolveRunTarget(opts, 'logFigure');
  const svg = await renderVegaLiteSvg(spec);
  const name = posix.basename(artifactFile);
  const stem = name.replace(/\.html?$/i, '');
  const dir = posix.dirname(artifactFile) === '.' ? '' : posix.dirname(artifactFile);
  await putArtifactFiles(client, runId, dir, [
    { name: `${stem}.vl.json`, bytes: JSON.stringify(spec, null, 2) },
    { name, bytes: figureHtml(svg, spec) },
  ]);
}
