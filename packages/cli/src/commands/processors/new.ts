import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Args, Flags } from '@oclif/core';
import { RUNTIME_VERSION } from '@nself-jobs/runtime';
import { BaseCommand, EXIT } from '../../base-command.js';

/** packages/cli/templates/processor, from dist/commands/processors/ (and src/ alike). */
const TEMPLATE_DIR = fileURLToPath(new URL('../../../templates/processor/', import.meta.url));
const TYPE = /^[a-z0-9][a-z0-9._-]*$/;

/** `_gitignore.tpl` -> `.gitignore`: npm would drop or rename real dotfiles in the published CLI. */
function targetName(relative: string): string {
  return relative.replace(/\.tpl$/, '').split(path.sep).map((part) => part.replace(/^_/, '.')).join(path.sep);
}

async function templateFiles(dir: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) files.push(...(await templateFiles(dir, relative)));
    else if (entry.name.endsWith('.tpl')) files.push(relative);
  }
  return files.sort();
}

function resolves(dir: string, name: string): boolean {
  try {
    createRequire(path.join(dir, 'package.json')).resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** "pdf-render" -> "PdfRender", for TypeScript type names. */
function typeName(type: string): string {
  const pascal = type.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return /^[0-9]/.test(pascal) ? `P${pascal}` : pascal;
}

/** Fills `{{name}}`; values are JSON-escaped in .json files. */
function render(text: string, values: Record<string, string>, json: boolean): string {
  return text.replace(/\{\{(\w+)\}\}/g, (match, key: string) => {
    if (!(key in values)) return match;
    return json ? JSON.stringify(values[key]).slice(1, -1) : values[key];
  });
}

export default class ProcessorsNew extends BaseCommand {
  static override summary = 'Scaffold a processor package for a new job type';
  static override description = `Writes ./<type> (or --dir): package.json with the nselfJobs manifest, a payload JSON Schema with
examples, src/index.ts, tsconfig.json, mocha tests (the shared processor contract and a unit test) and a README.
It builds (npm run build) and passes its tests (npm test) as generated; then \`jobs plugins install ./<type>\`.`;

  static override examples = [
    '<%= config.bin %> processors new greet',
    '<%= config.bin %> processors new pdf --package-name @acme/jobs-processor-pdf --dir ./packages/pdf',
  ];

  static override args = {
    type: Args.string({ description: 'the job type it adds (lowercase letters, digits, . _ -)', required: true }),
  };

  static override flags = {
    dir: Flags.string({ description: 'directory to create (default: ./<type>)' }),
    'package-name': Flags.string({ description: 'npm package name (default: jobs-processor-<type>)' }),
    description: Flags.string({ description: 'one line saying what the job does' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ProcessorsNew);
    if (!TYPE.test(args.type) || args.type.length > 100) {
      process.stderr.write(`Error: "${args.type}" is not a valid job type: use lowercase letters, digits, ".", "_" and "-", starting with a letter or digit\n`);
      this.exit(EXIT.usage);
    }
    const dir = path.resolve(flags.dir ?? args.type);
    if (existsSync(dir) && (await readdir(dir)).length > 0) {
      process.stderr.write(`Error: ${dir} exists and is not empty: choose another --dir\n`);
      this.exit(EXIT.usage);
    }
    const major = RUNTIME_VERSION.split('.')[0];
    const values = {
      type: args.type,
      typeName: typeName(args.type),
      packageName: flags['package-name'] ?? `jobs-processor-${args.type}`,
      description: flags.description ?? `Greets someone by name (a ${args.type} job made with jobs processors new)`,
      runtimeRange: `^${major}.0.0`,
      sdkRange: `^${major}.0.0`,
      dirName: path.basename(dir),
    };
    const written: string[] = [];
    for (const relative of await templateFiles(TEMPLATE_DIR)) {
      const target = path.join(dir, targetName(relative));
      const text = await readFile(path.join(TEMPLATE_DIR, relative), 'utf8');
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, render(text, values, target.endsWith('.json')));
      written.push(path.relative(process.cwd(), target) || target);
    }
    this.output(flags.json, { dir, type: args.type, packageName: values.packageName, files: written }, () => {
      this.log(`Created ${values.packageName} (job type "${args.type}") in ${dir}:`);
      for (const file of written) this.log(`  ${file}`);
      const cd = path.relative(process.cwd(), dir) || '.';
      // Inside the nself-jobs monorepo (or next to an install of it) the SDK already resolves: no npm install.
      const install = resolves(dir, '@nself-jobs/sdk') ? '' : 'npm install && ';
      this.log(`\nNext:\n  cd ${cd} && ${install}npm run build && npm test\n  jobs plugins install ${cd.startsWith('.') ? cd : `./${cd}`}\n  jobs add ${args.type} --payload '{"name":"Ada"}'`);
    });
  }
}
