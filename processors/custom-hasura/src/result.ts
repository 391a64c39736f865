/** What a successful job returns (stored as the job's result). */
export interface CustomHasuraResult {
  action: string;
  /** The GraphQL response's `data`: `{ "<action>": <the action's output> }`. */
  data: Record<string, unknown>;
  /** Time from the first request (introspection included) to the answer. */
  durationMs: number;
}
