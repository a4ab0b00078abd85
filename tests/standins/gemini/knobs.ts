/**
 * @module
 * Realism knobs on the stand-ins' scores, off by default so answers stay a pure function of the
 * article: `bias` (score points added to every dimension, for a model that grades generously) and
 * `noise` (a seeded Gaussian perturbation per call, standard deviation in score points, so asking
 * twice about the same article can disagree, as a real oracle does). The noise of the n-th ask about
 * an article is a function of (seed, model, article, n), not of the order calls arrive in, so a test
 * whose calls race through a queue sees the same answers on every run. Both take one number for every
 * model or a map keyed by model name (longest prefix wins), so a bake-off between two stand-in models
 * shows a difference. Shared by the Gemini and OpenAI-compatible stand-ins.
 */
import { fnv1a, seededRandom } from "@distillery/shared";
import type { ScoreAdjuster } from "./answer";
import { longestPrefixMatch } from "./thinking";

/** One value for every model, or values by model-name prefix. */
export type PerModel = number | Record<string, number>;

export type ScoreKnobs = {
  /** Score points added to every dimension, then clamped to 0..10. */
  bias: PerModel;
  /** Standard deviation, in score points, of a per-call perturbation. */
  noise: PerModel;
  /** Seed of the noise generator. */
  noiseSeed: number;
};

export const DEFAULT_SCORE_KNOBS: ScoreKnobs = { bias: 0, noise: 0, noiseSeed: 1 };

function forModel(value: PerModel, model: string): number {
  return typeof value === "number" ? value : (longestPrefixMatch(value, model) ?? 0);
}

/** Holds the knobs and the noise generator; `adjusterFor` is asked once per call. */
export class ScorePerturber {
  private knobs: ScoreKnobs;
  /** Asks so far per model and article, since the knobs last changed. */
  private asks = new Map<string, number>();

  constructor(knobs: Partial<ScoreKnobs> = {}) {
    this.knobs = { ...DEFAULT_SCORE_KNOBS, ...knobs };
  }

  get current(): ScoreKnobs {
    return this.knobs;
  }

  update(patch: Partial<ScoreKnobs>) {
    if (Object.keys(patch).length === 0) return;
    this.knobs = { ...this.knobs, ...patch };
    this.asks.clear();
  }

  /** The adjuster of one call to `model` about `article`, or undefined when both knobs are off for it. */
  adjusterFor(model: string, article: string): ScoreAdjuster | undefined {
    const bias = forModel(this.knobs.bias, model);
    const noise = forModel(this.knobs.noise, model);
    if (bias === 0 && noise === 0) return undefined;
    const key = `${model}\u0000${article}`;
    const ask = this.asks.get(key) ?? 0;
    this.asks.set(key, ask + 1);
    const random = seededRandom(fnv1a(`${this.knobs.noiseSeed}\u0000${ask}\u0000${key}`));
    return (score) => {
      const shifted = score + bias + (noise > 0 ? noise * gaussian(random) : 0);
      return Math.round(Math.min(10, Math.max(0, shifted)) * 10) / 10;
    };
  }
}

/** Box-Muller: a standard normal draw from a seeded uniform generator. */
function gaussian(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Picks the knob fields out of a control-route patch. */
export function knobPatch(patch: Record<string, unknown>): Partial<ScoreKnobs> {
  const out: Partial<ScoreKnobs> = {};
  if (patch.bias !== undefined) out.bias = patch.bias as PerModel;
  if (patch.noise !== undefined) out.noise = patch.noise as PerModel;
  if (patch.noiseSeed !== undefined) out.noiseSeed = Number(patch.noiseSeed);
  return out;
}
