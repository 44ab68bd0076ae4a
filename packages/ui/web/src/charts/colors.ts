// Run colors that read on both a light and a dark background: mid-lightness, saturated hues, far
// apart (after the Tableau 10 palette, nudged so none is too pale on white or too dark on black).

export const RUN_COLORS: readonly string[] = [
  '#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1',
  '#17a2b8', '#edc948', '#ff6f9f', '#9c755f', '#8c8cff',
];

/** The color of the i-th run of a set; past the palette, hues are spread on the color wheel. */
export function runColor(index: number): string {
  if (index < RUN_COLORS.length) return RUN_COLORS[index]!;
  const hue = Math.round((index * 137.508) % 360);
  return `hsl(${hue} 65% 55%)`;
}

/** `color` at the given opacity, for the faint raw curve and the min/max band. */
export function withAlpha(color: string, alpha: number): string {
  const a = Math.min(Math.max(alpha, 0), 1);
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (hex) {
    const n = parseInt(hex[1]!, 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
  }
  const hsl = /^hsl\((.*)\)$/.exec(color);
  if (hsl) return `hsl(${hsl[1]} / ${a})`;
  return color;
}
