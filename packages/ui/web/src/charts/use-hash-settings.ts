// Chart settings kept in the URL hash's query (see chart-settings.ts), so a copied link reproduces
// the charts. Changing a setting replaces the history entry (the back button goes to the previous
// page, not through every slider position); opening a link with other settings applies them.

import { navigate, route, withQueryChanges } from '../router.js';
import { parseChartSettings, writeChartSettings, type ChartSettings } from './chart-settings.js';

/** The page's chart settings (read from the route) and a setter that writes them into the URL. */
export function useHashChartSettings(): [ChartSettings, (next: ChartSettings) => void] {
  const query = route.value.query;
  const update = (next: ChartSettings) => {
    const written = writeChartSettings(next, new URLSearchParams());
    navigate(withQueryChanges({ x: written.get('x') ?? undefined, smooth: written.get('smooth') ?? undefined, log: written.get('log') ?? undefined }), { replace: true });
  };
  return [parseChartSettings(query), update];
}
