#!/usr/bin/env node
// Checks the API reference without writing it: runs typedoc with typedoc.json (the three entry
// points, every export documented, warnings are errors) and lists each problem. Undocumented
// exports are listed as `file:line  name (kind)`, grouped by file, so they can be fixed where
// they are declared. Exit code 1 when there is any warning or error.
//
//   node scripts/check-docs.mjs            # the list
//   node scripts/check-docs.mjs --summary  # counts per file only
import { Application, Logger, LogLevel, ReflectionKind } from 'typedoc';
import { relative } from 'node:path';

class CollectingLogger extends Logger {
  messages = [];
  log(message, level) {
    if (level >= LogLevel.Warn) this.messages.push({ message, level });
  }
}

const app = await Application.bootstrapWithPlugins({
  options: 'typedoc.json',
  // Source positions for the list; no links, so no git remote is needed.
  disableSources: false,
  disableGit: true,
  sourceLinkTemplate: '{path}#L{line}',
});
const logger = new CollectingLogger();
app.logger = logger;
const project = await app.convert();
if (project) app.validate(project);

const byName = new Map();
if (project) {
  for (const r of Object.values(project.reflections)) {
    const name = r.getFriendlyFullName();
    if (!byName.has(name)) byName.set(name, r);
  }
}

const undocumented = /^(.*) \((\w+)\), defined in .*, does not have any documentation$/;
const byFile = new Map();
const other = [];
for (const { message } of logger.messages) {
  const m = undocumented.exec(message);
  if (!m) {
    other.push(message);
    continue;
  }
  const [, name, kind] = m;
  const source = byName.get(name)?.sources?.[0];
  const file = source ? relative(process.cwd(), source.fullFileName) : '(unknown file)';
  const entry = `${file}:${source?.line ?? '?'}  ${name.replace(/^(index|cdk8s|pulumi)\./, '')} (${ReflectionKind[ReflectionKind[kind]] ?? kind})`;
  byFile.set(file, [...(byFile.get(file) ?? []), { line: source?.line ?? 0, entry }]);
}

const summary = process.argv.includes('--summary');
const files = [...byFile.keys()].sort();
for (const file of files) {
  const entries = byFile.get(file).sort((a, b) => a.line - b.line);
  if (summary) console.log(`${String(entries.length).padStart(4)}  ${file}`);
  else for (const e of entries) console.log(e.entry);
}
for (const message of other) console.log(message);
const total = files.reduce((n, f) => n + byFile.get(f).length, 0);
if (total || other.length) {
  console.error(`check-docs: ${total} undocumented export${total === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}, ${other.length} other problem${other.length === 1 ? '' : 's'}`);
  process.exit(1);
}
console.error('check-docs: every export is documented');
