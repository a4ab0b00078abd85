/**
 * @module
 * The filter package format (`filter.yaml` + `prompt.md`, see docs/filter-format.md). A filter is data,
 * not code: dimensions with weights, gatekeeper caps, categorical fields with per-value caps, tiers,
 * prefilter rules per language, oracle settings and student defaults. Cross-field rules (weights sum
 * to 1, gatekeepers name known dimensions, tiers descend) are checked here so every loader agrees.
 */
import { z } from "zod";
import { auditSettingsSchema } from "../drift/settings";
import { modelFamily, oracleProviderSchema, thinkingProblem, thinkingSchema } from "../oracle/models";
import { promotionPolicySchema } from "../promotion/schemas";
import { languageSchema, scoreSchema, slugSchema } from "./common";

export const dimensionSchema = z.strictObject({
  key: slugSchema,
  label: z.string().min(1),
  weight: z.number().gt(0).max(1),
  description: z.string().min(1),
  /** Anchors of the scale, e.g. `{ "0": "...", "3": "...", "6": "...", "9": "..." }`. */
  scale_notes: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
});
export type Dimension = z.infer<typeof dimensionSchema>;

export const gatekeeperSchema = z.strictObject({
  dimension: slugSchema,
  /** Below this score on `dimension`, the overall score is capped at `cap_overall_at`. */
  min: scoreSchema,
  cap_overall_at: scoreSchema,
  reason: z.string().min(1),
});
export type Gatekeeper = z.infer<typeof gatekeeperSchema>;

export const categoryValueSchema = z.strictObject({
  key: slugSchema,
  description: z.string().min(1),
  /** When the oracle picks this value, the overall score is capped here. */
  cap_overall_at: scoreSchema.optional(),
});

/** A categorical field the oracle fills in (e.g. `content_type`), with optional caps per value. */
export const categorySchema = z.strictObject({
  key: slugSchema,
  label: z.string().min(1),
  description: z.string().min(1),
  values: z.array(categoryValueSchema).min(2),
});
export type Category = z.infer<typeof categorySchema>;

export const tierSchema = z.strictObject({
  key: slugSchema,
  label: z.string().min(1),
  min_overall: scoreSchema,
  description: z.string().min(1),
});
export type Tier = z.infer<typeof tierSchema>;

/** Rules that apply to one language (or to all, under the key `"*"`). */
export const prefilterLanguageRulesSchema = z.strictObject({
  /** When any include rule exists, an article must match at least one of them to pass. */
  include_keywords: z.array(z.string().min(1)).default([]),
  include_regex: z.array(z.string().min(1)).default([]),
  /** Any matching exclude rule blocks the article. */
  exclude_keywords: z.array(z.string().min(1)).default([]),
  exclude_regex: z.array(z.string().min(1)).default([]),
});
export type PrefilterLanguageRules = z.infer<typeof prefilterLanguageRulesSchema>;

export const prefilterSchema = z.strictObject({
  /** Length bounds on title + body, in characters. */
  min_length: z.number().int().min(0).default(0),
  max_length: z.number().int().min(1).nullable().default(null),
  sources: z
    .strictObject({
      allow: z.array(z.string().min(1)).default([]),
      deny: z.array(z.string().min(1)).default([]),
    })
    .default({ allow: [], deny: [] }),
  /** Keyed by language code, or `"*"` for rules every language gets in addition to its own. */
  rules: z.record(z.union([languageSchema, z.literal("*")]), prefilterLanguageRulesSchema).default({}),
  /** What happens to a language with no rules of its own: `pass` applies only the `"*"` rules. */
  unknown_language: z.enum(["pass", "block"]).default("pass"),
});
export type Prefilter = z.infer<typeof prefilterSchema>;

export const oracleSettingsSchema = z.strictObject({
  /** `gemini`, or `openai` for any OpenAI-compatible chat-completions endpoint (OpenAI, DeepSeek, vLLM, Ollama). */
  provider: oracleProviderSchema.default("gemini"),
  model: z.string().min(1).default("gemini-2.5-flash"),
  /**
   * A thinking budget in tokens (Gemini 2.5; -1 lets the model decide, 0 turns it off) or a level
   * (Gemini 3: `minimal`..`high`; OpenAI-compatible reasoning models: sent as `reasoning_effort`).
   * Unset: the cheapest the model allows. Thinking is billed as output and counts against the limit.
   */
  thinking: thinkingSchema.optional(),
  /** Unset: twice the longest answer the response schema allows, plus the thinking allowance. */
  max_output_tokens: z.number().int().min(16).max(65_536).optional(),
  temperature: z.number().min(0).max(2).default(0.2),
  /** Longer bodies are cut to head + tail at sentence boundaries. */
  max_article_chars: z.number().int().min(200).default(6_000),
  /** Longest reason the oracle may write per dimension, in characters. */
  max_reason_chars: z.number().int().min(20).default(300),
});
export type OracleSettings = z.infer<typeof oracleSettingsSchema>;

/**
 * The kinds of student (DESIGN.md, Students). `regression` and `generative` need a CUDA GPU on a node;
 * `encoder` needs torch and prefers a GPU; `probe` and `lexical` run on any CPU.
 */
export const studentKindSchema = z.enum(["regression", "generative", "encoder", "probe", "lexical"]);
export type StudentKind = z.infer<typeof studentKindSchema>;
/** Students whose Python side needs torch (the `full` profile). */
export const TORCH_STUDENT_KINDS: readonly StudentKind[] = ["regression", "generative", "encoder"];
/**
 * Students a node runs only with a CUDA GPU that initialises: a 7B decoder on a CPU would train for weeks.
 * Their job files ask for `device: "cuda"`, which Python refuses (`device.cuda_unavailable`) without one.
 */
export const CUDA_STUDENT_KINDS: readonly StudentKind[] = ["regression", "generative"];

export const loraSettingsSchema = z.strictObject({
  r: z.number().int().min(1).default(16),
  alpha: z.number().int().min(1).default(32),
  // No default here: unset means "the backend's choice" (0 on Unsloth, whose fused LoRA kernels need it;
  // 0.05 on transformers + peft), which a schema default could not tell apart from an explicit 0.05.
  dropout: z
    .number()
    .min(0)
    .max(0.9)
    .optional()
    .describe("LoRA dropout; unset: 0 with Unsloth (keeps its fast kernels), 0.05 with transformers + peft"),
  target_modules: z.array(z.string()).default(["q_proj", "k_proj", "v_proj", "o_proj"]),
});

/** Training hyperparameters; the defaults are the seed decision in DESIGN.md. */
export const hyperparametersSchema = z.strictObject({
  batch_size: z.number().int().min(1).default(4),
  gradient_accumulation: z.number().int().min(1).default(4),
  learning_rate: z.number().gt(0).default(2e-4),
  epochs: z.number().gt(0).default(3),
  max_length: z.number().int().min(16).default(2048),
  warmup_ratio: z.number().min(0).max(1).default(0.1),
  weight_decay: z.number().min(0).default(0.01),
  lora: loraSettingsSchema.default({
    r: 16,
    alpha: 32,
    target_modules: ["q_proj", "k_proj", "v_proj", "o_proj"],
  }),
  seed: z.number().int().default(42),
});
export type Hyperparameters = z.infer<typeof hyperparametersSchema>;

export const DEFAULT_BASE_MODEL = "Qwen/Qwen2.5-7B-Instruct";
export const DEFAULT_PROBE_ENCODER = "intfloat/multilingual-e5-small";

export const studentSettingsSchema = z.strictObject({
  kind: studentKindSchema.default("regression"),
  base_model: z.string().min(1).default(DEFAULT_BASE_MODEL),
  encoder: z.string().min(1).default(DEFAULT_PROBE_ENCODER),
  hyperparameters: hyperparametersSchema.default(hyperparametersSchema.parse({})),
});
export type StudentSettings = z.infer<typeof studentSettingsSchema>;

/** `filter.yaml` as written by a user, before cross-field checks. */
export const filterConfigSchema = z.strictObject({
  name: slugSchema,
  version: z.number().int().min(1),
  description: z.string().min(1),
  languages: z.array(languageSchema).min(1),
  dimensions: z.array(dimensionSchema).min(1).max(32),
  gatekeepers: z.array(gatekeeperSchema).default([]),
  categories: z.array(categorySchema).default([]),
  tiers: z.array(tierSchema).min(1),
  prefilter: prefilterSchema.default(prefilterSchema.parse({})),
  oracle: oracleSettingsSchema.default(oracleSettingsSchema.parse({})),
  student: studentSettingsSchema.default(studentSettingsSchema.parse({})),
  /**
   * The margin a candidate model must beat the promoted one by (the promotion gate); a promote request
   * may name its own. Unset: tier agreement not lower, dimension MAE lower by more than its standard error.
   */
  promotion: promotionPolicySchema.optional(),
  audit: auditSettingsSchema.default(auditSettingsSchema.parse({})),
});
export type FilterConfig = z.infer<typeof filterConfigSchema>;

export const WEIGHT_SUM_TOLERANCE = 1e-6;

/** Adds the cross-field rules of a filter to a schema with the filter's fields. */
function withFilterRules<S extends z.ZodType<FilterConfig>>(schema: S) {
  return schema.superRefine((filter, ctx) => {
    const sum = filter.dimensions.reduce((total, d) => total + d.weight, 0);
    if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
      ctx.addIssue({
        code: "custom",
        path: ["dimensions"],
        message: `weights sum to ${Number(sum.toFixed(6))}, expected 1.0`,
      });
    }
    const keys = new Set<string>();
    filter.dimensions.forEach((d, i) => {
      if (keys.has(d.key))
        ctx.addIssue({
          code: "custom",
          path: ["dimensions", i, "key"],
          message: `duplicate dimension '${d.key}'`,
        });
      keys.add(d.key);
    });
    filter.gatekeepers.forEach((g, i) => {
      if (!keys.has(g.dimension))
        ctx.addIssue({
          code: "custom",
          path: ["gatekeepers", i, "dimension"],
          message: `unknown dimension '${g.dimension}', expected one of ${[...keys].join(", ")}`,
        });
    });
    const categoryKeys = new Set<string>();
    filter.categories.forEach((c, i) => {
      if (keys.has(c.key) || categoryKeys.has(c.key))
        ctx.addIssue({
          code: "custom",
          path: ["categories", i, "key"],
          message: `duplicate field '${c.key}'`,
        });
      categoryKeys.add(c.key);
      const values = new Set<string>();
      c.values.forEach((v, j) => {
        if (values.has(v.key))
          ctx.addIssue({
            code: "custom",
            path: ["categories", i, "values", j, "key"],
            message: `duplicate value '${v.key}'`,
          });
        values.add(v.key);
      });
    });
    const tierKeys = new Set<string>();
    filter.tiers.forEach((t, i) => {
      if (tierKeys.has(t.key))
        ctx.addIssue({ code: "custom", path: ["tiers", i, "key"], message: `duplicate tier '${t.key}'` });
      tierKeys.add(t.key);
      const previous = filter.tiers[i - 1];
      if (previous && t.min_overall >= previous.min_overall)
        ctx.addIssue({
          code: "custom",
          path: ["tiers", i, "min_overall"],
          message: `tiers must be ordered highest first: ${t.min_overall} is not below ${previous.min_overall} of '${previous.key}'`,
        });
    });
    const { provider, model, thinking, max_output_tokens } = filter.oracle;
    const thinkingIssue = thinking === undefined ? null : thinkingProblem(provider, model, thinking);
    if (thinkingIssue) ctx.addIssue({ code: "custom", path: ["oracle", "thinking"], message: thinkingIssue });
    const outputLimit = modelFamily(provider, model).outputLimit;
    if (max_output_tokens !== undefined && max_output_tokens > outputLimit)
      ctx.addIssue({
        code: "custom",
        path: ["oracle", "max_output_tokens"],
        message: `${model} returns at most ${outputLimit} output tokens`,
      });
    const lowest = filter.tiers[filter.tiers.length - 1];
    if (lowest && lowest.min_overall !== 0)
      ctx.addIssue({
        code: "custom",
        path: ["tiers", filter.tiers.length - 1, "min_overall"],
        message: `the lowest tier must start at 0 so every score has a tier (found ${lowest.min_overall})`,
      });
    for (const [language, rules] of Object.entries(filter.prefilter.rules)) {
      for (const kind of ["include_regex", "exclude_regex"] as const) {
        rules[kind].forEach((pattern, j) => {
          try {
            new RegExp(pattern, "iu");
          } catch (error) {
            ctx.addIssue({
              code: "custom",
              path: ["prefilter", "rules", language, kind, j],
              message: `invalid regular expression: ${(error as Error).message}`,
            });
          }
        });
      }
    }
  });
}

export const validFilterConfigSchema = withFilterRules(filterConfigSchema);

/** A complete, validated filter package: the config plus its prompt and the prompt's hash. */
export const filterPackageSchema = withFilterRules(
  filterConfigSchema.extend({
    prompt: z.string().min(1),
  }),
);
export type FilterPackage = z.infer<typeof filterPackageSchema>;

/** How a filter package travels over HTTP: the two files as text, so the server validates exactly what the user wrote. */
export const filterSourceSchema = z.strictObject({
  filter_yaml: z.string().min(1).max(200_000),
  prompt_md: z.string().min(1).max(200_000),
});
export type FilterSource = z.infer<typeof filterSourceSchema>;
