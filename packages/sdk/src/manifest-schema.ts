/** JSON Schema (draft 2020-12 subset understood by ajv) of the `nselfJobs` key in a package.json. */
export const manifestSchema = {
  $id: 'https://nself-jobs.dev/schemas/manifest-v1.json',
  type: 'object',
  required: ['manifestVersion', 'runtime', 'processors'],
  additionalProperties: false,
  properties: {
    manifestVersion: { const: 1 },
    runtime: { type: 'string', minLength: 1 },
    migrations: { type: 'string', minLength: 1 },
    processors: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['type', 'entry', 'payloadSchema'],
        additionalProperties: false,
        properties: {
          type: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 100 },
          entry: { type: 'string', minLength: 1 },
          payloadSchema: { type: 'string', minLength: 1 },
          description: { type: 'string' },
          defaults: {
            type: 'object',
            additionalProperties: false,
            properties: {
              queue: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' },
              priority: { enum: ['critical', 'high', 'normal', 'low'] },
              attempts: { type: 'integer', minimum: 1, maximum: 1000 },
              backoff: {
                type: 'object',
                required: ['type', 'delay'],
                additionalProperties: false,
                properties: {
                  type: { enum: ['exponential', 'fixed'] },
                  delay: { type: 'integer', minimum: 0 },
                },
              },
              timeout: { type: 'integer', minimum: 1 },
            },
          },
        },
      },
    },
  },
} as const;
