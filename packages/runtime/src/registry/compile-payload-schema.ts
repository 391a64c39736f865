import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { PayloadProblem } from './types.js';

// ajv-formats is CommonJS: under NodeNext the default import is the module object.
const addFormats = addFormatsModule.default;

// No coercion, no defaults, no removal: validating a payload must never change it.
const OPTIONS: Options = {
  allErrors: true,
  strict: false,
  useDefaults: false,
  coerceTypes: false,
  removeAdditional: false,
};

type Dialect = 'draft-07' | '2019-09' | '2020-12';

/** The dialect a schema declares; draft-07 (ajv's default) when it declares none. */
function dialectOf(schema: Record<string, unknown>): Dialect {
  const declared = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (declared.includes('json-schema.org/draft/2020-12')) return '2020-12';
  if (declared.includes('json-schema.org/draft/2019-09')) return '2019-09';
  return 'draft-07';
}

function newAjv(dialect: Dialect, options: Options): Ajv {
  const ajv =
    dialect === '2020-12' ? new Ajv2020(options) : dialect === '2019-09' ? new Ajv2019(options) : new Ajv(options);
  addFormats(ajv);
  return ajv;
}

// Compiling a dialect's meta-schema costs ~50-100 ms, so one instance per dialect checks every
// schema against it; it never compiles a payload schema, so it never collects their $ids.
const metaCheckers = new Map<Dialect, Ajv>();

function checkAgainstMetaSchema(schema: Record<string, unknown>, dialect: Dialect): void {
  let checker = metaCheckers.get(dialect);
  if (!checker) {
    checker = newAjv(dialect, OPTIONS);
    metaCheckers.set(dialect, checker);
  }
  // Throws for a `$schema` ajv does not know (draft-04...), which is as much a refusal.
  if (!checker.validateSchema(schema)) {
    throw new Error(`schema is invalid: ${checker.errorsText(checker.errors)}`);
  }
}

/**
 * Compiles a payload schema. It is checked against its dialect's meta-schema first, then compiled
 * in an Ajv instance of its own (with the check skipped, which makes that cheap): schemas from
 * different packages may reuse the same `$id`, which one shared instance would refuse.
 * Throws ajv's error when the schema is invalid or does not compile.
 */
export function compilePayloadSchema(schema: Record<string, unknown>): (payload: unknown) => PayloadProblem[] {
  const dialect = dialectOf(schema);
  checkAgainstMetaSchema(schema, dialect);
  const validate: ValidateFunction = newAjv(dialect, { ...OPTIONS, validateSchema: false }).compile(schema);
  return (payload) => (validate(payload) ? [] : toPayloadProblems(validate.errors ?? []));
}

/** RFC 6901 escaping of one pointer segment. */
export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Turns ajv errors into `{ path, message }`. A missing or extra property is reported at the
 * property's own path, so a form or CLI can point at the field rather than at its parent.
 */
export function toPayloadProblems(errors: ErrorObject[]): PayloadProblem[] {
  const seen = new Set<string>();
  const problems: PayloadProblem[] = [];
  for (const error of errors) {
    const params = error.params as { missingProperty?: unknown; additionalProperty?: unknown };
    let path = error.instancePath;
    let message = error.message ?? `must pass "${error.keyword}" keyword validation`;
    if (typeof params.missingProperty === 'string') {
      path = `${path}/${escapePointerSegment(params.missingProperty)}`;
    } else if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      path = `${path}/${escapePointerSegment(params.additionalProperty)}`;
      message = 'must NOT be present: additional properties are not allowed';
    }
    const key = `${path}\u0000${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push({ path, message });
    }
  }
  return problems;
}
