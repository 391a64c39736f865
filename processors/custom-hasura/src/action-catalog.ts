import { PermanentJobError } from '@nself-jobs/sdk';
import type { GraphqlRequest, GraphqlResponse } from './graphql-client.js';
import { graphqlErrorsError } from './graphql-errors.js';
import { namedType, TYPE_REF_FRAGMENT, type TypeRef } from './type-ref.js';

export interface ArgumentInfo {
  name: string;
  type: TypeRef;
  defaultValue: string | null;
}

export interface FieldInfo {
  name: string;
  args: ArgumentInfo[];
  type: TypeRef;
}

/** Sends one introspection request for the catalog (with the job's signal and timeout). */
export type Transport = (request: GraphqlRequest, what: string) => Promise<GraphqlResponse>;

export const MUTATION_FIELDS_QUERY: GraphqlRequest = {
  operationName: 'NselfJobsMutationFields',
  query:
    'query NselfJobsMutationFields { __schema { mutationType { name fields { name ' +
    'args { name defaultValue type { ...TypeRef } } type { ...TypeRef } } } } } ' + TYPE_REF_FRAGMENT,
};

export function outputTypeQuery(name: string): GraphqlRequest {
  return {
    operationName: 'NselfJobsOutputType',
    query:
      'query NselfJobsOutputType($name: String!) { __type(name: $name) { kind name fields { name ' +
      'args { name defaultValue type { ...TypeRef } } type { ...TypeRef } } } } ' + TYPE_REF_FRAGMENT,
    variables: { name },
  };
}

/** How long an introspected signature is trusted before it is read again. */
export const CATALOG_TTL_MS = 300_000;

/**
 * The signatures of Hasura's mutations (argument types, output type) and of the output object
 * types, read by introspection as admin and kept for CATALOG_TTL_MS: GraphQL variables must be
 * declared with their exact types, which only the schema knows. One catalog per worker process.
 */
export class ActionCatalog {
  private mutations: { fields: Map<string, FieldInfo>; at: number } | undefined;
  private readonly objects = new Map<string, { fields: FieldInfo[]; at: number }>();

  constructor(private readonly ttlMs = CATALOG_TTL_MS, private readonly now: () => number = Date.now) {}

  /** The mutation field `name`; `fresh` says it was read by this call rather than taken from the cache. */
  async mutation(name: string, transport: Transport): Promise<{ field: FieldInfo; fresh: boolean }> {
    let fresh = false;
    if (!this.mutations || this.now() - this.mutations.at > this.ttlMs) {
      this.mutations = { fields: await readMutationFields(transport), at: this.now() };
      fresh = true;
    }
    let field = this.mutations.fields.get(name);
    if (!field && !fresh) {
      // Perhaps an action added since the schema was read: read it again before giving up.
      this.mutations = { fields: await readMutationFields(transport), at: this.now() };
      fresh = true;
      field = this.mutations.fields.get(name);
    }
    if (!field) {
      throw new PermanentJobError(
        `Hasura has no mutation "${name}": no action of that name is defined (or it is a query action, which custom-hasura does not call)`,
      );
    }
    return { field, fresh };
  }

  /** The fields of an object type (an action's output). */
  async objectFields(typeName: string, transport: Transport): Promise<FieldInfo[]> {
    const cached = this.objects.get(typeName);
    if (cached && this.now() - cached.at <= this.ttlMs) return cached.fields;
    const fields = await readObjectFields(typeName, transport);
    this.objects.set(typeName, { fields, at: this.now() });
    return fields;
  }

  /** Forgets everything: the next job reads the schema again. */
  invalidate(): void {
    this.mutations = undefined;
    this.objects.clear();
  }
}

async function readMutationFields(transport: Transport): Promise<Map<string, FieldInfo>> {
  const what = 'reading the mutations of the Hasura schema';
  const response = await transport(MUTATION_FIELDS_QUERY, what);
  if (response.errors?.length) throw graphqlErrorsError(what, response.errors);
  const schema = (response.data as { __schema?: { mutationType?: { fields?: FieldInfo[] } | null } } | null | undefined)?.__schema;
  if (!schema) throw new PermanentJobError(`${what}: the answer has no __schema (is introspection disabled for the admin role?)`);
  const fields = schema.mutationType?.fields ?? [];
  return new Map(fields.map((f) => [f.name, f]));
}

async function readObjectFields(typeName: string, transport: Transport): Promise<FieldInfo[]> {
  const what = `reading the fields of Hasura type ${typeName}`;
  const response = await transport(outputTypeQuery(typeName), what);
  if (response.errors?.length) throw graphqlErrorsError(what, response.errors);
  const type = (response.data as { __type?: { fields?: FieldInfo[] | null } | null } | null | undefined)?.__type;
  if (!type) throw new PermanentJobError(`${what}: Hasura does not know that type`);
  return type.fields ?? [];
}

/** Whether an output type needs a selection set (objects, interfaces, unions) or takes none (scalars, enums). */
export function isComposite(ref: TypeRef): boolean {
  const { kind } = namedType(ref);
  return kind === 'OBJECT' || kind === 'INTERFACE' || kind === 'UNION';
}
