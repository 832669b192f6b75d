#!/usr/bin/env node
'use strict';
// Launcher of the inferscale command line. An installed package runs the compiled
// dist/cli/main.js. In a checkout without a build (or with INFERSCALE_FROM_SOURCE=1) it runs
// the TypeScript source through tsx, a devDependency.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const compiled = join(root, 'dist', 'cli', 'main.js');
const source = join(root, 'lib', 'cli', 'main.ts');

if (existsSync(compiled) && !process.env.INFERSCALE_FROM_SOURCE) {
  require(compiled).run();
} else if (existsSync(source)) {
  try {
    require('tsx/cjs');
  } catch {
    process.stderr.write('inferscale: dist/ is not built and tsx is not installed; run "npm run build" or "npm install"\n');
    process.exit(1);
  }
  require(source).run();
} else {
  process.stderr.write('inferscale: dist/cli/main.js is missing; reinstall the package\n');
  process.exit(1);
}
