/**
 * @module
 * JSON Schema as OpenAI-compatible APIs take it, for the stand-in: converted to the Gemini stand-in's
 * schema shape so answers come from the same generator (`$ref` into `$defs`, nullable type arrays,
 * `anyOf`/`oneOf` and `const` resolved), checked against the rules OpenAI's strict structured outputs
 * enforce (every object closed with `additionalProperties: false` and every property required), and,
 * for `json_object` requests, found in the prompt where a caller describes the answer.
 */
import type { GeminiSchema } from "../gemini/answer";

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
};

function resolve(node: JsonSchema, root: JsonSchema): JsonSchema {
  if (!node.$ref) return node;
  const name = node.$ref.replace(/^#\/(\$defs|definitions)\//, "");
  const target = root.$defs?.[name] ?? root.definitions?.[name];
  return target ? resolve(target, root) : {};
}

/** The Gemini-shaped equivalent of `schema` (what the shared answer generator reads). */
export function toGeminiSchema(schema: JsonSchema, root: JsonSchema = schema): GeminiSchema {
  const node = resolve(schema, root);
  const alternatives = node.anyOf ?? node.oneOf;
  if (alternatives) {
    const chosen = alternatives.map((a) => resolve(a, root)).find((a) => a.type !== "null");
    return chosen ? toGeminiSchema(chosen, root) : { type: "STRING" };
  }
  const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
  const type = types.find((t) => t !== "null") ?? (node.properties ? "object" : "string");
  const out: GeminiSchema = { type: type.toUpperCase() };
  const choices = node.const !== undefined ? [node.const] : node.enum;
  if (choices) out.enum = choices.map(String);
  if (node.minimum !== undefined) out.minimum = node.minimum;
  if (node.maximum !== undefined) out.maximum = node.maximum;
  if (node.properties) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([key, child]) => [key, toGeminiSchema(child, root)]),
    );
  }
  if (node.items) out.items = toGeminiSchema(node.items, root);
  return out;
}

/** OpenAI's refusal of a schema that strict mode cannot enforce, or null when it is acceptable. */
export function strictSchemaProblem(
  schema: JsonSchema,
  root: JsonSchema = schema,
  context = "",
): string | null {
  const node = resolve(schema, root);
  for (const alternative of node.anyOf ?? []) {
    const problem = strictSchemaProblem(alternative, root, context);
    if (problem) return problem;
  }
  if (node.properties) {
    if (node.additionalProperties !== false) {
      return `In context=(${context}), 'additionalProperties' is required to be supplied and to be false.`;
    }
    const missing = Object.keys(node.properties).find((key) => !node.required?.includes(key));
    if (missing !== undefined) {
      return `In context=(${context}), 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
    }
    for (const [key, child] of Object.entries(node.properties)) {
      const problem = strictSchemaProblem(
        child,
        root,
        context ? `${context}, '${key}'` : `'properties', '${key}'`,
      );
      if (problem) return problem;
    }
  }
  return node.items ? strictSchemaProblem(node.items, root, `${context}, 'items'`) : null;
}

/**
 * The JSON Schema a `json_object` prompt describes: the first fenced ```json block, or failing that
 * the first balanced `{...}`, that parses and has `properties`. Undefined when the prompt has none.
 */
export function schemaInPrompt(text: string): JsonSchema | undefined {
  const candidates = [...text.matchAll(/```(?:json)?\s*\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  const start = text.indexOf("{");
  if (start >= 0) candidates.push(balancedObject(text, start));
  for (const candidate of candidates) {
    try {
      const parsed = JSON.parse(candidate) as JsonSchema;
      if (parsed && typeof parsed === "object" && parsed.properties) return parsed;
    } catch {
      // Not JSON: prompts hold prose and examples too; the next candidate may be the schema.
    }
  }
  return undefined;
}

function balancedObject(text: string, start: number): string {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(start, i + 1);
  }
  return "";
}
