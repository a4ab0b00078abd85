/**
 * @module
 * Realism knobs on the stand-ins' scores, off by default so answers stay a pure function of the
 * article: `bias` (score points added to every dimension, for a model that grades generously) and
 * `noise` (a seeded Gaussian perturbation per call, standard deviation in score points, so asking
 * twice about the same article can disagree, as a real oracle does). Both take one number for every
 * model or a map keyed by model name (longest prefix wins), so a bake-off between two stand-in models
 * shows a difference. Shared by the Gemini and OpenAI-compatible stand-ins.
 */
import { seededRandom } from "@distillery/shared";
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
  private random: () => number;

  constructor(knobs: Partial<ScoreKnobs> = {}) {
    this.knobs = { ...DEFAULT_SCORE_KNOBS, ...knobs };
    this.random = seededRandom(this.knobs.noiseSeed);
  }

  get current(): ScoreKnobs {
    return this.knobs;
  }

  update(patch: Partial<ScoreKnobs>) {
    if (Object.keys(patch).length === 0) return;
    this.knobs = { ...this.knobs, ...patch };
    this.random = seededRandom(this.knobs.noiseSeed);
  }

  /** The adjuster of one call to `model`, or undefined when both knobs are off for it. */
  adjusterFor(model: string): ScoreAdjuster | undefined {
    const bias = forModel(this.knobs.bias, model);
    const noise = forModel(this.knobs.noise, model);
    if (bias === 0 && noise === 0) return undefined;
    return (score) => {
      const shifted = score + bias + (noise > 0 ? noise * this.gaussian() : 0);
      return Math.round(Math.min(10, Math.max(0, shifted)) * 10) / 10;
    };
  }

  /** Box-Muller: a standard normal draw from the seeded uniform generator. */
  private gaussian(): number {
    const u = Math.max(this.random(), Number.EPSILON);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }
}

/** Picks the knob fields out of a control-route patch. */
export function knobPatch(patch: Record<string, unknown>): Partial<ScoreKnobs> {
  const out: Partial<ScoreKnobs> = {};
  if (patch.bias !== undefined) out.bias = patch.bias as PerModel;
  if (patch.noise !== undefined) out.noise = patch.noise as PerModel;
  if (patch.noiseSeed !== undefined) out.noiseSeed = Number(patch.noiseSeed);
  return out;
}
