#!/usr/bin/env node
'use strict';
// Launcher of the inferscale command line.
//
// An installed package runs the compiled dist/cli/main.js. In a checkout it runs the
// TypeScript source through tsx (a devDependency) when there is no build, when the build is
// older than any file under lib/, or when INFERSCALE_FROM_SOURCE=1.
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const compiled = join(root, 'dist', 'cli', 'main.js');
const source = join(root, 'lib', 'cli', 'main.ts');

/** Newest modification time of the files under `dir`. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const t = entry.isDirectory() ? newest(path) : statSync(path).mtimeMs;
    if (t > latest) latest = t;
  }
  return latest;
}

function useSource() {
  if (!existsSync(source)) return false;
  if (process.env.INFERSCALE_FROM_SOURCE) return true;
  if (!existsSync(compiled)) return true;
  return newest(join(root, 'lib')) > statSync(compiled).mtimeMs;
}

if (useSource()) {
  try {
    require('tsx/cjs');
  } catch {
    if (!existsSync(compiled)) {
      process.stderr.write('inferscale: dist/ is not built and tsx is not installed; run "npm run build" or "npm install"\n');
      process.exit(1);
    }
    require(compiled).run();
    return;
  }
  require(source).run();
} else if (existsSync(compiled)) {
  require(compiled).run();
} else {
  process.stderr.write('inferscale: dist/cli/main.js is missing; reinstall the package\n');
  process.exit(1);
}
