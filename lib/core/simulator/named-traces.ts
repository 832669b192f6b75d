/**
 * The real LLM traces shipped in the package (`data/traces/`): two one-hour samples of Azure
 * production inference traffic, aggregated per second. CC-BY 4.0; see `data/traces/README.md`
 * for the source and attribution.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseTrace, Trace } from './trace';

/** The shipped traces by short name: file name inside {@link TRACES_DIR}. */
export const NAMED_TRACES = {
  /** Code completion: 8,819 requests in 3,437 s; peaks at 67 requests in one second. */
  code: 'azure-llm-2023-code.csv',
  /** Conversation: 19,366 requests in 3,503 s; steadier, peaks at 19 in one second. */
  conv: 'azure-llm-2023-conv.csv',
} as const;

/** A short name of a shipped trace: `code` or `conv`. */
export type NamedTrace = keyof typeof NAMED_TRACES;

/**
 * The folder that holds the shipped traces: `data/traces` at the package root. The same
 * relative path holds from `lib/core/simulator` in a checkout and `dist/core/simulator` in
 * the installed package.
 */
export const TRACES_DIR: string = resolve(__dirname, '..', '..', '..', 'data', 'traces');

/** Whether `name` is one of the shipped traces' short names. */
export function isNamedTrace(name: string): name is NamedTrace {
  return Object.prototype.hasOwnProperty.call(NAMED_TRACES, name);
}

/** The path of a shipped trace's CSV file. */
export function namedTracePath(name: NamedTrace): string {
  return join(TRACES_DIR, NAMED_TRACES[name]);
}

/**
 * Reads a shipped trace, named by its short name (`code`, `conv`).
 *
 * ```ts
 * const trace = simulator.scaleTrace(simulator.readNamedTrace('code'), 4);
 * ```
 */
export function readNamedTrace(name: NamedTrace): Trace {
  return { ...parseTrace(readFileSync(namedTracePath(name), 'utf8'), NAMED_TRACES[name]), name };
}
