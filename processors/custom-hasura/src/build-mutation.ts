import { PermanentJobError } from '@nself-jobs/sdk';
import { isComposite, type FieldInfo } from './action-catalog.js';
import type { GraphqlRequest } from './graphql-client.js';
import type { ResolvedPayload } from './payload.js';
import { namedType, typeText } from './type-ref.js';

/**
 * The mutation for one job. Only names reach the query text — the action and its argument names,
 * checked as GraphQL names and against the schema, and types read from the schema; every value
 * travels in `variables`:
 *
 *   mutation NselfJobs_createUser($email: String!, $name: String) {
 *     createUser(email: $email, name: $name) { id email created_at }
 *   }
 */
export function buildMutation(payload: ResolvedPayload, field: FieldInfo, selection: string | undefined): GraphqlRequest {
  const { action, data } = payload;
  const byName = new Map(field.args.map((a) => [a.name, a]));
  const signature = field.args.map((a) => `${a.name}: ${typeText(a.type)}`).join(', ') || 'none';

  const unknown = Object.keys(data).filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw new PermanentJobError(`action ${action} has no argument ${unknown.join(', ')} (payload.data); its arguments: ${signature}`);
  }
  const missing = field.args.filter((a) => a.type.kind === 'NON_NULL' && a.defaultValue === null && !(a.name in data));
  if (missing.length > 0) {
    throw new PermanentJobError(
      `action ${action} needs ${missing.map((a) => `${a.name} (${typeText(a.type)})`).join(', ')} in payload.data; its arguments: ${signature}`,
    );
  }

  const given = field.args.filter((a) => a.name in data);
  const declarations = given.map((a) => `$${a.name}: ${typeText(a.type)}`).join(', ');
  const args = given.map((a) => `${a.name}: $${a.name}`).join(', ');
  const operationName = `NselfJobs_${action}`;
  const query =
    `mutation ${operationName}${declarations ? `(${declarations})` : ''} ` +
    `{ ${action}${args ? `(${args})` : ''}${selection ? ` ${selection}` : ''} }`;
  return { operationName, query, variables: Object.fromEntries(given.map((a) => [a.name, data[a.name]])) };
}

/**
 * The selection set: none for an action returning a scalar or enum (a selection there is refused),
 * the payload's for an object, else every field of the object whose type is a scalar or an enum
 * and that needs no argument — `{ __typename }` when there is none (nested objects and
 * relationships are only returned when a selection asks for them).
 */
export async function chooseSelection(
  payload: ResolvedPayload,
  field: FieldInfo,
  objectFields: (typeName: string) => Promise<FieldInfo[]>,
): Promise<string | undefined> {
  const output = namedType(field.type);
  if (!isComposite(field.type)) {
    if (payload.selection !== undefined) {
      throw new PermanentJobError(`action ${payload.action} returns ${typeText(field.type)}, a ${output.kind.toLowerCase()}: remove payload.selection`);
    }
    return undefined;
  }
  if (payload.selection !== undefined) return payload.selection;
  if (output.kind === 'UNION') return '{ __typename }';
  const leaves = (await objectFields(output.name))
    .filter((f) => {
      const kind = namedType(f.type).kind;
      return (kind === 'SCALAR' || kind === 'ENUM') && f.args.every((a) => a.type.kind !== 'NON_NULL' || a.defaultValue !== null);
    })
    .map((f) => f.name);
  return `{ ${leaves.length > 0 ? leaves.join(' ') : '__typename'} }`;
}
