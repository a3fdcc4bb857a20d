/** Plain text tables for the terminal: fixed columns, long cells cut with an ellipsis. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], maxWidths: readonly number[] = []): string {
  const widths = headers.map((h, i) => {
    const cap = maxWidths[i] ?? 60;
    return Math.min(cap, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  });
  const fit = (s: string, w: number) => (s.length > w ? `${s.slice(0, Math.max(0, w - 1))}…` : s.padEnd(w));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => fit(c.replace(/\s+/g, ' '), widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

export function printJson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v)}\n`);
}
