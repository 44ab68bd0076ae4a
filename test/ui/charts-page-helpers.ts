/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Shared steps of the charts' browser tests: what a drawn chart looks like from the outside (its
// canvas pixels, its legend).
import type { Page } from 'playwright-core';

/** The chart of one metric key, once its data has been drawn. */
export function chartSelector(key: string): string {
  return `.runlog-chart[data-metric-key="${key}"]`;
}

export async function waitForChart(page: Page, key: string): Promise<void> {
  await page.waitForSelector(`${chartSelector(key)}[data-phase="ready"] canvas`, { timeout: 30_000 });
}

/**
 * How many canvas pixels of the chart are close to each of `colors` (hex): a curve drawn in a run's
 * color leaves many; an empty or blank canvas none.
 */
export async function pixelsByColor(page: Page, key: string, colors: readonly string[]): Promise<number[]> {
  return page.$eval(
    `${chartSelector(key)} canvas`,
    (canvas, hexes) => {
      const c = canvas as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const targets = hexes.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
      const counts = targets.map(() => 0);
      for (let p = 0; p < data.length; p += 4) {
        if (data[p + 3]! < 200) continue;
        targets.forEach((t, i) => {
          if (Math.abs(data[p]! - t[0]!) + Math.abs(data[p + 1]! - t[1]!) + Math.abs(data[p + 2]! - t[2]!) < 60) counts[i]!++;
        });
      }
      return counts;
    },
    colors as string[],
  );
}

/** Moves the pointer over the middle of a chart's plot area. */
export async function hoverChart(page: Page, key: string, fraction = 0.5): Promise<void> {
  const over = await page.$(`${chartSelector(key)} .u-over`);
  const box = (await over!.boundingBox())!;
  await page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2);
}

/** The legend of a chart: run id → the value it shows. */
export async function legendValues(page: Page, key: string): Promise<Record<string, string>> {
  return page.$$eval(`${chartSelector(key)} .runlog-chart-legend-row`, (rows) =>
    Object.fromEntries(rows.map((r) => [(r as HTMLElement).dataset.runId!, r.querySelector('.runlog-chart-legend-value')!.textContent!.trim()])),
  );
}
