import { readFileSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * `npm ci --omit=dev` at the repository root, then `pulumi up`: every package the Pulumi
 * program loads must be installed by that command. The library keeps its frameworks as optional
 * peers (a cdk8s user installs no Pulumi), so the program declares them itself, in the
 * `stacks/pulumi` workspace; npm installs a workspace's dependencies as production ones.
 */
const ROOT = join(__dirname, '..', '..');
const PROGRAM = join(ROOT, 'stacks', 'pulumi');

interface LockEntry { dev?: boolean; optional?: boolean; devOptional?: boolean; dependencies?: Record<string, string>; peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> }
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

/** The packages a TypeScript file and the repository files it imports load at run time (type-only imports left out). */
function runtimePackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?!import type|export type)(?:import|export)[^;]*?from '([^']+)'|import\('([^']+)'\)|require\('([^']+)'\)/gm)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith('.')) {
        const base = resolve(dirname(file), spec);
        const target = [`${base}.ts`, join(base, 'index.ts')].find((f) => existsSync(f));
        if (!target) throw new Error(`${file}: cannot resolve ${spec}`);
        queue.push(target);
        continue;
      }
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (!spec.startsWith('node:') && !builtinModules.includes(name)) packages.add(name);
    }
  }
  return packages;
}

/** The lockfile entry npm installs for `name` when required from `from` (a lockfile path), nested first. */
function locate(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
  }
}

describe('the Pulumi program installs with npm ci --omit=dev', () => {
  const program = [...runtimePackages(join(PROGRAM, 'index.ts'))].sort();
  const workspace = JSON.parse(readFileSync(join(PROGRAM, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[]; dependencies: Record<string, string>; devDependencies: Record<string, string> };

  test('the program loads Pulumi, the AWS and Kubernetes SDKs and cdk8s', () => {
    expect(program).toEqual(['@pulumi/aws', '@pulumi/kubernetes', '@pulumi/pulumi', 'cdk8s', 'cdk8s-plus-27', 'constructs', 'yaml']);
  });

  test('every package it loads, and the TypeScript Pulumi compiles it with, is a dependency of the stacks/pulumi workspace, at the version tested', () => {
    expect(root.workspaces).toEqual(['stacks/pulumi']);
    // Pulumi.yaml runs the TypeScript sources; without a typescript package Pulumi falls back to its vendored TypeScript 3.8.
    expect((parseYaml(readFileSync(join(ROOT, 'Pulumi.yaml'), 'utf8')) as { runtime: { options: { typescript: boolean } } }).runtime.options.typescript).toBe(true);
    for (const name of [...program, 'typescript']) {
      const tested = root.dependencies[name] ?? root.devDependencies[name];
      expect({ name, declared: workspace.dependencies[name] }).toEqual({ name, declared: tested });
    }
  });

  test('the lockfile installs each of them, and everything they need, without dev packages', () => {
    const devOnly: string[] = [];
    const queue = [...program, 'typescript'].map((name) => ({ name, from: '' }));
    const seen = new Set<string>();
    while (queue.length > 0) {
      const { name, from } = queue.pop()!;
      const path = locate(name, from);
      if (!path) {
        devOnly.push(`${name} (required by ${from || 'the program'}) is not in the lockfile`);
        continue;
      }
      if (seen.has(path)) continue;
      seen.add(path);
      const entry = lock.packages[path];
      if (entry.dev || entry.devOptional) devOnly.push(`${path} is a dev package`);
      const peers = Object.keys(entry.peerDependencies ?? {}).filter((p) => !entry.peerDependenciesMeta?.[p]?.optional);
      for (const dep of [...Object.keys(entry.dependencies ?? {}), ...peers]) queue.push({ name: dep, from: path });
    }
    expect(devOnly).toEqual([]);
    expect(seen.size).toBeGreaterThan(50);
  });
});
