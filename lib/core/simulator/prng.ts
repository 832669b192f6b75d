/**
 * A small seeded pseudo-random number generator, so synthetic traces are reproducible.
 * @module
 */

/**
 * Mulberry32: a 32-bit state generator with a full 2^32 period; fast and good enough for
 * synthetic load (not for cryptography). The same seed always gives the same sequence.
 * @see https://gist.github.com/tommyettinger/46a874533244883189143505d203312c
 */
export class Prng {
  private state: number;

  /** @param seed any 32-bit integer; non-integers are truncated. */
  public constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform number in [0, 1). */
  public next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * A Poisson-distributed count with mean `mean` (>= 0): Knuth's multiplication method
   * below 30, a rounded normal approximation (clamped at 0) above.
   */
  public poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    if (mean < 30) {
      const limit = Math.exp(-mean);
      let k = 0;
      let p = this.next();
      while (p > limit) {
        k++;
        p *= this.next();
      }
      return k;
    }
    // Box-Muller; 1 - next() keeps the logarithm finite.
    const u = 1 - this.next();
    const v = this.next();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal));
  }

  /** A standard normal number (Box-Muller). */
  public normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
