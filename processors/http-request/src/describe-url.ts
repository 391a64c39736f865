/**
 * The URL as it may appear in logs and error messages: no user:password and no query string,
 * because both routinely carry credentials (basic auth, `?token=...`, signed URLs).
 */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export function describeRequest(method: string, url: URL): string {
  return `${method} ${describeUrl(url)}`;
}
