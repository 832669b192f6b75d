/**
 * Every example is type-checked (and run) by a consumer test against the packed package, the
 * way a reader would use it: none may be left out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './support';

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

test('each example is used by a consumer test', () => {
  const examples = filesUnder(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.ts')).map((f) => path.relative(path.join(ROOT, 'examples'), f).split(path.sep).join('/'));
  expect(examples.length).toBeGreaterThanOrEqual(4);
  const tests = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.ts')).map((f) => fs.readFileSync(path.join(__dirname, f), 'utf8')).join('\n');
  const unused = examples.filter((e) => !tests.includes(`example('${e}')`));
  expect(unused).toEqual([]);
});

test('examples import inferscale by its published names only', () => {
  for (const file of filesUnder(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.ts'))) {
    const text = fs.readFileSync(file, 'utf8');
    const relative = [...text.matchAll(/from '(\.[^']*)'/g)].map((m) => m[1]);
    expect({ file: path.relative(ROOT, file), relative }).toEqual({ file: path.relative(ROOT, file), relative: [] });
  }
});
