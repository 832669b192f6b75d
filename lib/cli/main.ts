/**
 * The `inferscale` command line. Subcommands: `simulate`, `explain`, `profile`, `doctor`.
 *
 * Every error is one line on stderr (`inferscale simulate: <what is wrong>`) and a non-zero
 * exit code: 2 for an unknown option, 1 for bad input (unknown service, malformed trace,
 * negative rates, a manifest without an HPA).
 * @module
 */
import { ManifestError, TraceError } from '../core/simulator';
import { DOCTOR_USAGE, runDoctor } from './doctor-command';
import { EXPLAIN_USAGE, runExplain } from './explain-command';
import { PROFILE_USAGE, runProfile } from './profile-command';
import { CliError } from './inputs';
import { CliIo, runSimulate, SIMULATE_USAGE } from './simulate-command';
import { runTune, TUNE_USAGE } from './tune-command';

export { CliError } from './inputs';
export type { CliIo } from './simulate-command';

/** Top-level usage text. */
export const USAGE = `Usage: inferscale <command> [options]

Commands:
  simulate   replay a load trace against a service's autoscaling configuration
  explain    show how each service's autoscaling is wired, with a check per step
  profile    list the serving profiles, or fit one to vllm bench serve results
  tune       search targets, minReplicas, behavior and cold-start levers for the fewest GPU
             node-hours that keep an SLO, with held-out figures
  doctor     run explain's checks against a live cluster and its Prometheus

Run "inferscale <command> --help" for its options.
`;

/** Runs the CLI with `args` (without the node and script paths); returns the exit code (a promise for `doctor`, which waits on the network, and `tune`, which may wait on worker threads). */
export function main(args: readonly string[], io: CliIo = processIo()): number | Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout(command === undefined ? USAGE : rest[0] === 'simulate' ? SIMULATE_USAGE : rest[0] === 'explain' ? EXPLAIN_USAGE : rest[0] === 'profile' ? PROFILE_USAGE : rest[0] === 'tune' ? TUNE_USAGE : rest[0] === 'doctor' ? DOCTOR_USAGE : USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'explain') return runExplain(rest, io);
  if (command === 'profile') return runProfile(rest, io);
  if (command === 'doctor') return runDoctor(rest, io);
  if (command !== 'simulate' && command !== 'tune') {
    io.stderr(`inferscale: unknown command "${command}"; expected "simulate", "explain", "profile", "tune" or "doctor" (see inferscale --help)\n`);
    return 2;
  }
  // One line for a bad input (it names the option or the file); a bug also gets its stack with INFERSCALE_DEBUG.
  const failed = (e: unknown): number => {
    const known = e instanceof CliError || e instanceof TraceError || e instanceof ManifestError;
    const message = (e as Error)?.message ?? String(e);
    // Option errors from the simulator name the option; anything else is a bug worth its stack.
    if (!known && !(e instanceof Error && message.startsWith('simulate '))) {
      io.stderr(`inferscale ${command}: internal error: ${message.split('\n')[0]}\n`);
      if (io.env.INFERSCALE_DEBUG) io.stderr(`${(e as Error).stack ?? ''}\n`);
      return 1;
    }
    io.stderr(`inferscale ${command}: ${message.split('\n')[0]}\n`);
    return 1;
  };
  try {
    return command === 'tune' ? runTune(rest, io).catch(failed) : runSimulate(rest, io);
  } catch (e) {
    return failed(e);
  }
}

/** The real process's streams. */
export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stderrIsTty: process.stderr.isTTY === true,
    cwd: process.cwd(),
    env: process.env,
  };
}

/** Runs `main` on `process.argv` and sets the exit code (used by `bin/inferscale.js`). */
export function run(): void {
  const code = main(process.argv.slice(2));
  if (typeof code === 'number') process.exitCode = code;
  else code.then((c) => { process.exitCode = c; }, (e: unknown) => { process.stderr.write(`inferscale: internal error: ${(e as Error)?.message ?? String(e)}\n`); process.exitCode = 1; });
}

if (require.main === module) run();
