import { PermanentJobError } from '@nself-jobs/sdk';

/**
 * Turns a payload table name into a pg_dump `--table` pattern that matches that one table only.
 *
 * pg_dump reads `--table` as a pattern: unquoted letters are folded to lower case and `*`, `?`, `.`
 * and regular-expression characters are special. A name is exact here (case-sensitive, no
 * wildcards), so each part is double-quoted, where pg_dump takes every character literally.
 * `schema.table` splits at the dot; a part written in double quotes ("my.table", with "" for a
 * quote) may contain dots. Without a schema pg_dump matches the table in any visible schema.
 */
export function tablePattern(name: string): string {
  return splitQualifiedName(name).map(quoteIdentifier).join('.');
}

export function quoteIdentifier(part: string): string {
  return `"${part.replace(/"/g, '""')}"`;
}

/** `a.b` -> ["a", "b"]; `"a.b"` -> ["a.b"]; at most schema.table (and database.schema.table is refused). */
export function splitQualifiedName(name: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (quoted) {
      if (ch === '"' && name[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        current += ch;
      }
    } else if (ch === '"' && current === '' && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
    } else if (ch === '.') {
      parts.push(current);
      current = '';
      wasQuoted = false;
    } else if (wasQuoted) {
      throw invalid(name, 'characters after a closing quote');
    } else {
      current += ch;
    }
  }
  if (quoted) throw invalid(name, 'an unclosed double quote');
  parts.push(current);
  if (parts.some((part) => part === '')) throw invalid(name, 'an empty part');
  if (parts.length > 2) throw invalid(name, 'more than schema.table');
  if (parts.some((part) => part.includes('\0'))) throw invalid(name, 'a NUL character');
  return parts;
}

function invalid(name: string, why: string): PermanentJobError {
  return new PermanentJobError(`payload.tables: ${JSON.stringify(name)} is not a table name (${why})`);
}
