import { PermanentJobError } from '@nself-jobs/sdk';

/**
 * Characters a selection set may use: names, numbers, aliases (`a: b`), arguments of relationship
 * fields (`orders(limit: 5)`), lists, inline fragments (`... on T { }`). No strings, variables,
 * directives or comments: with those out, braces can be counted exactly.
 */
const ALLOWED = /^[\s,_0-9A-Za-z{}():[\].-]*$/;
export const MAX_SELECTION_LENGTH = 10_000;

/**
 * Checks that a payload's selection is one selection set `{ ... }` and nothing else: its braces
 * balance and never close before the last one, so the text cannot end the action's field and
 * select or call anything beside it (`{ id } delete_users { ... }` is refused).
 */
export function checkSelection(selection: string): string {
  const text = selection.trim();
  const refuse = (why: string) => new PermanentJobError(`payload.selection must be one GraphQL selection set such as "{ id status }": ${why}`);
  if (text.length === 0 || text.length > MAX_SELECTION_LENGTH) throw refuse(`1 to ${MAX_SELECTION_LENGTH} characters`);
  if (!ALLOWED.test(text)) throw refuse('only names, numbers, commas, braces, parentheses, brackets, ":" and "..." are allowed');
  if (!text.startsWith('{') || !text.endsWith('}')) throw refuse('it must start with "{" and end with "}"');
  let braces = 0;
  let parens = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '{') braces += 1;
    else if (c === '}') braces -= 1;
    else if (c === '(') parens += 1;
    else if (c === ')') parens -= 1;
    if (parens < 0 || (braces === 0 && i < text.length - 1)) throw refuse('its braces or parentheses close too early');
  }
  if (braces !== 0 || parens !== 0) throw refuse('its braces or parentheses do not balance');
  if (/\{\s*\}/.test(text)) throw refuse('a selection set cannot be empty');
  return text;
}
