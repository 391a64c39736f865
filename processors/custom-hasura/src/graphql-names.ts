/** A GraphQL Name (spec section 2.1.9). */
export const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** Names starting with "__" are reserved for introspection. */
export function isGraphqlName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 128 && GRAPHQL_NAME.test(value) && !value.startsWith('__');
}
