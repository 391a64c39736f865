/**
 * An error the HTTP edge raises itself (bad body, bad parameter, missing key...).
 * Errors of the runtime are JobsErrors; both end up as {"error": {code, message, details}}.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}

export function errorBody(code: string, message: string, details: unknown = null): ErrorBody {
  return { error: { code, message, details: details ?? null } };
}

/** A problem with one input, in the shape the runtime uses: a JSON pointer and what is wrong. */
export interface Problem {
  path: string;
  message: string;
}

/** 400 for query or path parameters, naming each bad one. */
export function parameterError(problems: Problem[]): ApiError {
  return new ApiError(400, 'PARAMETER_INVALID', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
}
