/**
 * The tarball `npm pack` makes: entry points that exist, a lean file list, and dependency
 * declarations that match what the compiled code requires.
 */
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { expectSuccess, packedTarball, ROOT, run } from './support';

interface Manifest {
  main: string;
  types: string;
  bin: Record<string, string>;
  files: string[];
  exports: Record<string, string | { types?: string; default?: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/**
 * Tools the code looks for at run time and does without: `tsx` loads a TypeScript `--app` file
 * for `inferscale explain`, resolved from the app's own project first.
 */
const OPTIONAL_TOOLS = ['tsx'];

/** Framework packages: each consumer installs only the ones it uses. */
const FRAMEWORKS = ['cdk8s', 'cdk8s-plus-27', 'constructs', '@pulumi/pulumi', '@pulumi/kubernetes', '@pulumi/aws'];

let unpacked: string;
let files: string[];
let manifest: Manifest;
beforeAll(() => {
  const tarball = packedTarball();
  unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'inferscale-unpacked-'));
  expectSuccess(run('tar', ['-xzf', tarball, '-C', unpacked], { cwd: unpacked }));
  files = expectSuccess(run('tar', ['-tzf', tarball], { cwd: unpacked })).stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, '')).sort();
  manifest = JSON.parse(fs.readFileSync(path.join(unpacked, 'package', 'package.json'), 'utf8')) as Manifest;
}, 120_000);
afterAll(() => { if (unpacked) fs.rmSync(unpacked, { recursive: true, force: true }); });

const exists = (rel: string): boolean => files.includes(rel.replace(/^\.\//, ''));

/** The bare module names the compiled code loads (`require("x")`, `require.resolve("x/...")`). */
function requiredPackages(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const f of files.filter((x) => x.startsWith('dist/') && x.endsWith('.js'))) {
    const text = fs.readFileSync(path.join(unpacked, 'package', f), 'utf8');
    for (const m of text.matchAll(/require(?:\.resolve)?\(["']([^"'.][^"']*)["']/g)) {
      const spec = m[1];
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (spec.startsWith('node:') || builtinModules.includes(name)) continue;
      found.set(name, [...(found.get(name) ?? []), f]);
    }
  }
  return found;
}

describe('the packed package', () => {
  test('main, types, bin, every export and every typesVersions target are in the tarball', () => {
    expect(exists(manifest.main)).toBe(true);
    expect(exists(manifest.types)).toBe(true);
    for (const bin of Object.values(manifest.bin)) expect(exists(bin)).toBe(true);
    expect(Object.keys(manifest.exports)).toEqual(expect.arrayContaining(['.', './cdk8s', './pulumi', './package.json']));
    for (const [entry, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') {
        expect(exists(target)).toBe(true);
        continue;
      }
      expect({ entry, types: target.types && exists(target.types), default: target.default && exists(target.default) })
        .toEqual({ entry, types: true, default: true });
    }
    for (const targets of Object.values(manifest.typesVersions['*'] ?? {})) for (const t of targets) expect(exists(t)).toBe(true);
  });

  test('JavaScript, declarations and source maps for every compiled module', () => {
    const js = files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(20);
    const missing = js.flatMap((f) => [f.replace(/\.js$/, '.d.ts'), `${f}.map`].filter((x) => !exists(x)));
    expect(missing).toEqual([]);
  });

  test('every compiled module comes from a source in lib/ (no leftovers of deleted files)', () => {
    const orphans = files
      .filter((f) => f.startsWith('dist/') && f.endsWith('.js'))
      .map((f) => f.replace(/^dist\//, 'lib/').replace(/\.js$/, '.ts'))
      .filter((src) => !fs.existsSync(path.join(ROOT, src)));
    // Locally: remove dist/ and run npm run build, which does not delete old output.
    expect(orphans).toEqual([]);
  });

  test('holds only the build, the launcher, the shipped traces, the README and package.json: no sources, tests, stacks, examples or charts', () => {
    const outside = files.filter((f) => !f.startsWith('dist/') && !f.startsWith('bin/') && !['package.json', 'README.md', 'LICENSE'].includes(f));
    expect(outside).toEqual(['data/traces/README.md', 'data/traces/azure-llm-2023-code.csv', 'data/traces/azure-llm-2023-conv.csv']);
    expect(files.filter((f) => /(^|\/)(test|__tests__)\/|\.test\.|\.tsbuildinfo$/.test(f))).toEqual([]);
  });

  test('every package the compiled code requires is declared, frameworks as optional peers', () => {
    const required = requiredPackages();
    const deps = Object.keys(manifest.dependencies ?? {});
    const peers = Object.keys(manifest.peerDependencies ?? {});
    const undeclared = [...required.keys()].filter((p) => !deps.includes(p) && !peers.includes(p) && !OPTIONAL_TOOLS.includes(p));
    expect(undeclared).toEqual([]);
    // Every regular dependency is used, so no consumer installs dead weight.
    expect(deps.filter((d) => !required.has(d))).toEqual([]);
    for (const f of FRAMEWORKS) {
      expect({ f, peer: manifest.peerDependencies?.[f] !== undefined, optional: manifest.peerDependenciesMeta?.[f]?.optional === true, regular: deps.includes(f) })
        .toEqual({ f, peer: true, optional: true, regular: false });
    }
  });

  test('the peer ranges accept the versions the repository tests against', () => {
    for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
      const tested = manifest.devDependencies?.[name];
      expect({ name, tested: tested !== undefined }).toEqual({ name, tested: true });
      const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
      expect({ name, range, caret: m !== null }).toEqual({ name, range, caret: true });
      const [major, minor, patch] = tested!.split('.').map(Number);
      const [rMajor, rMinor, rPatch] = m!.slice(1).map(Number);
      const within = major === rMajor && (minor > rMinor || (minor === rMinor && patch >= rPatch));
      expect({ name, range, tested, within }).toEqual({ name, range, tested, within: true });
    }
  });
});
