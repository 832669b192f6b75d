import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');

/** Loads an entry point in a fresh Node process and lists the framework packages it pulled in. */
function frameworkModulesLoadedBy(entry: string): string[] {
  const script = `require(${JSON.stringify(entry)});
const seen = new Set();
for (const k of Object.keys(require.cache)) {
  const m = /node_modules[\\\\/]((?:@pulumi[\\\\/][^\\\\/]+)|cdk8s-plus-27|cdk8s|constructs)[\\\\/]/.exec(k);
  if (m) seen.add(m[1].replace('\\\\', '/'));
}
console.log(JSON.stringify([...seen].sort()));`;
  const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('package boundaries', () => {
  test('the core entry point loads neither cdk8s nor Pulumi', () => {
    expect(frameworkModulesLoadedBy('./lib/index.ts')).toEqual([]);
  });

  test('inferscale/cdk8s loads no @pulumi module', () => {
    const loaded = frameworkModulesLoadedBy('./lib/cdk8s/index.ts');
    expect(loaded).toContain('cdk8s');
    expect(loaded.filter((m) => m.startsWith('@pulumi'))).toEqual([]);
  });

  test('inferscale/pulumi loads no @pulumi/aws; inferscale/pulumi/aws does', () => {
    const pulumiOnly = frameworkModulesLoadedBy('./lib/pulumi/index.ts');
    expect(pulumiOnly).toContain('@pulumi/kubernetes');
    expect(pulumiOnly).not.toContain('@pulumi/aws');
    expect(frameworkModulesLoadedBy('./lib/pulumi/aws/index.ts')).toContain('@pulumi/aws');
  });
});

/** Every source file below `dir`, relative to the repository root. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|js|mjs|cjs)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .sort();
}

describe('the repository stands alone', () => {
  // A fresh clone (or an installed package) has nothing beside it: no path may climb out of it.
  test('no code in lib/, test/, stacks/, scripts/, bin/ or examples/ names a folder beside the checkout', () => {
    const climbing = ['lib', 'test', 'stacks', 'scripts', 'bin', 'examples']
      .flatMap(sources)
      .filter((f) => /\.\.\/shared\b|['"]\.\.['"],\s*['"]shared['"]|shared\/traces/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(climbing).toEqual([]);
  });
});
