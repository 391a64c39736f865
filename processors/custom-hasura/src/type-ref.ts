/** A type reference as introspection returns it: NON_NULL and LIST wrap a named type. */
export interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}

/** Deep enough for [[T!]!]! and one more level. */
export const TYPE_REF_FRAGMENT =
  'fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ' +
  'ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }';

/** The type as written in GraphQL: `[String!]!`. Throws on a reference too deep to resolve. */
export function typeText(ref: TypeRef): string {
  if (ref.kind === 'NON_NULL' && ref.ofType) return `${typeText(ref.ofType)}!`;
  if (ref.kind === 'LIST' && ref.ofType) return `[${typeText(ref.ofType)}]`;
  if (ref.name) return ref.name;
  throw new Error(`unresolvable type reference ${JSON.stringify(ref)}`);
}

/** The named type under the NON_NULL / LIST wrappers. */
export function namedType(ref: TypeRef): { kind: string; name: string } {
  let current: TypeRef | null = ref;
  while (current && (current.kind === 'NON_NULL' || current.kind === 'LIST')) current = current.ofType;
  if (!current?.name) throw new Error(`unresolvable type reference ${JSON.stringify(ref)}`);
  return { kind: current.kind, name: current.name };
}
