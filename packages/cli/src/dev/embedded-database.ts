import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadEmbeddedPostgres } from './embedded-postgres-module.js';
import { startPostgresProcess, PostgresStartError, type PostgresProcess } from './postgres-process.js';
import { canEnter, postgresRunAs, type RunAs } from './postgres-user.js';
import { generatePassword, readState, writeState, type PostgresState } from './postgres-state.js';
import { clearStalePostmaster, type LogLine } from './stale-postmaster.js';
import { pickPort } from './tcp-port.js';

/** Preferred when nothing was recorded yet: next to 5432, unlikely to be taken. */
export const DEFAULT_EMBEDDED_PORT = 54329;
export const EMBEDDED_DATABASE = 'nself_jobs';
/** Where the cluster goes when PostgreSQL's account cannot reach the project (a clone under /root). */
export const FALLBACK_DATA_ROOT = '/var/lib/nself-jobs';

export interface EmbeddedDatabaseOptions {
  /** The runtime's data directory, `<cwd>/.jobs` by default: the cluster lives in `<jobsDir>/postgres`. */
  jobsDir: string;
  log?: LogLine;
}

export interface EmbeddedDatabase {
  /** postgres://postgres:<password>@127.0.0.1:<port>/nself_jobs */
  url: string;
  port: number;
  /** The cluster's directory (the target when `<jobsDir>/postgres` is a link). */
  dataDir: string;
  logFile: string;
  /** True when this start ran initdb. */
  created: boolean;
  startMs: number;
  stop(): Promise<void>;
  /** Asks PostgreSQL to shut down without waiting, for a process that must exit now. */
  stopNow(): void;
}

/**
 * A private PostgreSQL for `jobs dev`, from the binaries the embedded-postgres package ships:
 * created on first use (initdb only when the data directory has no PG_VERSION), kept between runs,
 * on the port it had last time when that is free, with a generated password kept in
 * `<jobsDir>/postgres.json` (0600). As root it runs as the `postgres` account.
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const jobsDir = path.resolve(options.jobsDir);
  await ensureDirectory(jobsDir);
  const runAs = await postgresRunAs();
  const dataDir = await resolveDataDir(jobsDir, runAs, log);
  const logFile = path.join(jobsDir, 'postgres.log');

  const previous = await readState(jobsDir);
  const initialised = await exists(path.join(dataDir, 'PG_VERSION'));
  if (initialised && !previous) {
    throw new Error(`${dataDir} holds a PostgreSQL cluster but ${path.join(jobsDir, 'postgres.json')} (its password) is missing; `
      + `restore that file, or delete ${dataDir} to start with an empty database`);
  }
  const state: PostgresState = previous ?? { port: DEFAULT_EMBEDDED_PORT, user: 'postgres', password: generatePassword(), database: EMBEDDED_DATABASE };
  if (initialised) await clearStalePostmaster(dataDir, previous?.ownerPid, log);
  state.port = await pickPort([...new Set([state.port, DEFAULT_EMBEDDED_PORT])]);
  // Recorded before initdb: a cluster never exists without its password on disk.
  await writeState(jobsDir, { ...state, ownerPid: process.pid });

  const { EmbeddedPostgres, binaries } = await loadEmbeddedPostgres();
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: state.port,
    user: state.user,
    password: state.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: runAs !== undefined,
    // A development cluster: not fsyncing initdb's files halves the first start.
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    onLog: () => {},
    onError: () => {},
  });
  if (!initialised) {
    // A directory without PG_VERSION is an interrupted initdb: start it over.
    await fs.rm(dataDir, { recursive: true, force: true });
    log(`creating a PostgreSQL cluster in ${dataDir}`);
    await cluster.initialise();
  }

  let server: PostgresProcess;
  for (let attempt = 1; ; attempt++) {
    try {
      server = await startPostgresProcess({ binary: binaries.postgres, dataDir, port: state.port, logFile, runAs });
      break;
    } catch (error) {
      // Taken between the check and PostgreSQL's bind: once more on another port.
      if (!(error instanceof PostgresStartError && error.portInUse && attempt === 1)) throw error;
      state.port = await pickPort([]);
      await writeState(jobsDir, { ...state, ownerPid: process.pid });
    }
  }

  try {
    await ensureDatabase(cluster.getPgClient('postgres', '127.0.0.1'), state.database);
  } catch (error) {
    await server.stop();
    throw new Error(`the embedded PostgreSQL started but creating database "${state.database}" failed: ${(error as Error).message}`);
  }

  const user = encodeURIComponent(state.user);
  return {
    url: `postgres://${user}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${encodeURIComponent(state.database)}`,
    port: state.port,
    dataDir,
    logFile,
    created: !initialised,
    startMs: Date.now() - started,
    stop: () => server.stop(),
    stopNow: () => server.stopNow(),
  };
}

interface QueryClient {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
  escapeIdentifier(name: string): string;
  end(): Promise<void>;
}

async function ensureDatabase(client: QueryClient, database: string): Promise<void> {
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * `<jobsDir>/postgres`, or the directory it links to. As root PostgreSQL runs as `postgres`, which
 * must be able to enter the directory: when it cannot (a project under /root, mode 0700) the cluster
 * is created under /var/lib/nself-jobs/<hash of the path> and `<jobsDir>/postgres` links to it.
 */
async function resolveDataDir(jobsDir: string, runAs: RunAs | undefined, log: LogLine): Promise<string> {
  const link = path.join(jobsDir, 'postgres');
  const entry = await fs.lstat(link).catch(() => undefined);
  if (entry?.isSymbolicLink()) return path.resolve(jobsDir, await fs.readlink(link));
  if (!runAs || canEnter(jobsDir, runAs)) return link;
  if (entry) {
    throw new Error(`PostgreSQL runs as user "${runAs.user}", which cannot enter ${jobsDir}: `
      + `allow it (chmod o+x on ${jobsDir} and each directory above it) or move ${link} elsewhere and link it back`);
  }
  const root = FALLBACK_DATA_ROOT;
  await ensureDirectory(root);
  const target = path.join(root, createHash('sha256').update(jobsDir).digest('hex').slice(0, 16));
  await fs.symlink(target, link);
  log(`user "${runAs.user}" (PostgreSQL) cannot enter ${jobsDir}, so the cluster lives in ${target} (linked from ${link})`);
  return target;
}

/** Created when missing, and then searchable by all: the postgres account must pass through it. */
async function ensureDirectory(dir: string): Promise<void> {
  if (await exists(dir)) return;
  await fs.mkdir(dir, { recursive: true });
  await fs.chmod(dir, 0o755);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}
