/**
 * @module
 * How sure a share measured on a test split is: the lower end of the Wilson score interval, which
 * behaves at shares near 0 or 1 and on small samples (where the normal approximation claims a bound
 * above 1 or a width of zero). A report shows it beside tier agreement so a team sees that 100% on 40
 * articles means "at least ~91%", not "always".
 */

/**
 * The lower bound of the Wilson score interval of `successes / n` (`z = 1.96`: two-sided 95%), or 0
 * when `n` is 0.
 * @example
 * wilsonLowerBound(90, 100) // 0.8256…
 * wilsonLowerBound(40, 40)  // 0.9124…
 */
export function wilsonLowerBound(successes: number, n: number, z = 1.96): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`wilsonLowerBound: n must be a count, got ${n}`);
  if (successes < 0 || successes > n)
    throw new RangeError(`wilsonLowerBound: successes must be within 0..${n}, got ${successes}`);
  if (n === 0) return 0;
  const p = successes / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, Math.min(1, (centre - spread) / (1 + z2 / n)));
}
