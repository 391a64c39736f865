import path from 'node:path';

/**
 * Parsers turn one raw variable value into a typed value or a problem message.
 * They return the problem rather than throw, so loadConfig() can collect every problem in one pass.
 * Messages leave out the variable name: the caller prefixes the name that was actually used.
 * Written by hand rather than as an ajv schema: ajv's type coercion takes "1e3", "0x10" and " " as
 * numbers, and its messages could neither name the alias that was used nor mask a password.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };
export type Parser<T> = (raw: string, context: ParseContext) => Parsed<T>;
export interface ParseContext {
  /** Absolute directory relative paths are resolved against. */
  cwd: string;
}

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = <T = never>(problem: string): Parsed<T> => ({ ok: false, problem });

/** Quotes a value for a message, so blanks and empty-looking values stay visible. */
export const quote = (raw: string): string => JSON.stringify(raw);

export const text: Parser<string> = (raw) => ok(raw);

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

export const boolean: Parser<boolean> = (raw) => {
  const word = raw.toLowerCase();
  if (TRUE_WORDS.has(word)) return ok(true);
  if (FALSE_WORDS.has(word)) return ok(false);
  return fail(`expected a boolean (true/false, yes/no, on/off, 1/0), got ${quote(raw)}`);
};

/**
 * Whole decimal numbers only: Number() would also take "1e3", "0x10", " " and "5.5".
 * A leading "-" is let through the pattern so "-1" gets the range message rather than a vaguer one.
 */
export function integer(options: { min: number; max?: number; noun?: string }): Parser<number> {
  const noun = options.noun ?? 'integer';
  const expected = options.max === undefined
    ? `expected an ${noun} >= ${options.min}`
    : `expected an ${noun} between ${options.min} and ${options.max}`;
  return (raw) => {
    if (!/^-?\d+$/.test(raw)) return fail(`${expected}, got ${quote(raw)}`);
    const value = Number(raw);
    const inRange = Number.isSafeInteger(value) && value >= options.min
      && (options.max === undefined || value <= options.max);
    return inRange ? ok(value) : fail(`${expected}, got ${quote(raw)}`);
  };
}

export const port = integer({ min: 1, max: 65535, noun: 'integer port' });

/** One of a fixed list of words, matched case-insensitively and returned in lower case. */
export function oneOf<const T extends string>(words: readonly T[]): Parser<T> {
  return (raw) => {
    const word = raw.toLowerCase();
    return (words as readonly string[]).includes(word)
      ? ok(word as T)
      : fail(`expected one of ${words.join(', ')}, got ${quote(raw)}`);
  };
}

/** An unquoted PostgreSQL identifier: it is spliced into SQL, so nothing that would need quoting. */
export const sqlIdentifier: Parser<string> = (raw) =>
  /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(raw)
    ? ok(raw)
    : fail('expected a PostgreSQL identifier (letters, digits and _, not starting with a digit, '
      + `at most 63 characters), got ${quote(raw)}`);

export const urlPath: Parser<string> = (raw) =>
  raw.startsWith('/') ? ok(raw) : fail(`expected a path starting with "/", got ${quote(raw)}`);

export const absolutePath: Parser<string> = (raw, { cwd }) => ok(path.resolve(cwd, raw));

/** A PATH-like list (":" on POSIX); empty entries are skipped, as a trailing ":" is common. */
export const pathList: Parser<string[]> = (raw, { cwd }) =>
  ok(raw.split(path.delimiter).filter((entry) => entry !== '').map((entry) => path.resolve(cwd, entry)));
