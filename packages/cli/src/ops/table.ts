/** A column of a text table: its header, and whether its cells are numbers (right-aligned). */
export interface Column {
  header: string;
  numeric?: boolean;
}

/** Aligned columns separated by two spaces; the last column is not padded. */
export function renderTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells
    .map((cell, i) => {
      if (i === cells.length - 1 && !columns[i].numeric) return cell;
      return columns[i].numeric ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
    })
    .join('  ');
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n');
}

/** An ISO 8601 time to the second, UTC, or "-". */
export function formatTime(value: Date | string | null | undefined): string {
  if (!value) return '-';
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? '-' : `${date.toISOString().slice(0, 19)}Z`;
}

/** One line, at most `max` characters. */
export function clip(text: string | null | undefined, max = 60): string {
  if (!text) return '-';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return '-';
  return digits === 0 ? String(Math.round(value)) : value.toFixed(digits);
}
