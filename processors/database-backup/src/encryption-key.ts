/** Env var holding the 32-byte AES-256 key, as 64 hex characters or base64. */
export const ENCRYPTION_KEY_ENV = 'JOBS_BACKUP_ENCRYPTION_KEY';

export const ENCRYPTION_KEY_INVALID_CODE = 'BACKUP_KEY_INVALID';

const KEY_BYTES = 32;

/**
 * Parses the key: exactly 64 hex characters, or base64 / base64url of exactly 32 bytes (44 or 43
 * characters). Anything else is refused rather than stretched or hashed into a key: a short or
 * mistyped key must be noticed when it is set, not after the first restore fails.
 * The message never contains the value.
 */
export function parseEncryptionKey(text: string, variable = ENCRYPTION_KEY_ENV): Buffer {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const key = Buffer.from(value, 'base64');
    // Buffer ignores what it cannot decode: re-encoding proves every character counted.
    const canonical = key.toString('base64').replace(/=+$/, '');
    const given = value.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
    if (key.length === KEY_BYTES && canonical === given) return key;
  }
  throw Object.assign(
    new Error(
      `${variable} must be a 32-byte key written as 64 hex characters or in base64 ` +
        `(${value.length} characters given); create one with: openssl rand -hex 32`,
    ),
    { code: ENCRYPTION_KEY_INVALID_CODE },
  );
}
