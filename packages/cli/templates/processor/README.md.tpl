# {{packageName}}

An nself-jobs processor package: it adds the job type
`{{type}}`. {{description}}

## Develop

```sh
npm install        # @nself-jobs/sdk (the only runtime dependency), plus the runtime, TypeScript and mocha for tests
npm run build      # tsc: src/ -> dist/ (the manifest's entry is ./dist/index.js)
npm test           # mocha: the processor contract, then the unit tests in test/
```

- `src/index.ts` default-exports `defineProcessor({ type: '{{type}}', process })`.
- `schemas/payload.schema.json` is the payload's JSON Schema; its `examples` must validate (the contract test checks).
- `package.json` → `nselfJobs` is the manifest the runtime reads without running any code: job type,
  entry, schema, the `@nself-jobs/runtime` range it works with, and defaults (queue, priority, attempts,
  backoff, timeout).
- Depend on `@nself-jobs/sdk` only. When installed with `jobs plugins:install`, `@nself-jobs/sdk` resolves
  to the runtime's own copy.

### Where `@nself-jobs/sdk` comes from

Inside the nself-jobs monorepo, npm workspaces link `@nself-jobs/sdk` and `@nself-jobs/runtime`, so a
package generated there builds and tests without an install. Elsewhere, `npm install` fetches them from
your registry; without a registry that has them, point the dependencies at a checkout
(`"@nself-jobs/sdk": "file:../nself-jobs/packages/sdk"`, the same for `@nself-jobs/runtime`) or at
tarballs made with `npm pack` there.

## Migrations (optional)

To give the type its own tables, add `"migrations": "./migrations"` to `nselfJobs`, list `migrations` in
`"files"`, and add numbered files: `0001-create-table.sql` (plain SQL) or `0002-backfill.js` (exporting
`async function up(client, ctx)`). Each runs once, in its own transaction, with `search_path` set to the
record's schema: create tables unqualified. They run when the package is installed and whenever a worker
starts; never edit one that has run, add a new one. Set `DATABASE_URL` when running the tests to have the
contract apply them (twice) in scratch schemas.

## Install into a runtime

```sh
npm run build
jobs plugins:install ./{{dirName}}      # or a tarball from `npm pack`, or the published name
jobs add {{type}} --payload '{"name":"Ada"}'
```

Restart running `jobs worker` (and `jobs server`) processes to pick up a newly installed or updated
processor. `jobs plugins:uninstall {{type}}` removes it.
