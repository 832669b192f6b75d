/**
 * One thing wrong with the input of a construct or component.
 *
 * `path` is the field path inside the props (`metrics[1].targetPerPod`), `message` says what
 * was received and what is allowed.
 */
export interface Problem {
  /** Field path inside the props, e.g. `metrics[1] (gpuUtilization).targetPercent`. */
  readonly path: string;
  /** What is wrong: the value received and what is allowed. */
  readonly message: string;
}

/**
 * Thrown when props are invalid. Lists every problem found, not just the first, each on its
 * own line, prefixed with the owner (for example `AIInferenceService "llm"`).
 */
export class InferscaleValidationError extends Error {
  /** The problems, in the order they were found. */
  public readonly problems: readonly Problem[];
  /** Who owns the props, e.g. `AIInferenceService "default/llm"`. */
  public readonly owner: string;

  /**
   * @param owner who owns the props, e.g. `AIInferenceService "llm"`
   * @param problems at least one problem
   */
  public constructor(owner: string, problems: readonly Problem[]) {
    super(formatProblems(owner, problems));
    this.name = 'InferscaleValidationError';
    this.owner = owner;
    this.problems = problems;
  }
}

/** Formats problems one per line: `<owner>: <path> <message>`. */
export function formatProblems(owner: string, problems: readonly Problem[]): string {
  return problems.map((p) => `${owner}: ${p.path ? `${p.path} ` : ''}${p.message}`).join('\n');
}

/** Returns the problems with `prefix` prepended to each path (joined with `.` where needed). */
export function prefixProblems(prefix: string, problems: readonly Problem[]): Problem[] {
  return problems.map((p) => ({
    path: !p.path ? prefix : p.path.startsWith('[') ? `${prefix}${p.path}` : `${prefix}.${p.path}`,
    message: p.message,
  }));
}

/** Throws {@link InferscaleValidationError} when `problems` is not empty. */
export function throwIfProblems(owner: string, problems: readonly Problem[]): void {
  if (problems.length > 0) throw new InferscaleValidationError(owner, problems);
}

/** Renders a value for an error message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value);
}
