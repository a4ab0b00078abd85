/**
 * @module
 * `@distillery/shared`: every shape that crosses a boundary (zod schemas and their inferred types),
 * the filter engine (load, prefilter, postfilter, prompt rendering) and the metrics.
 */
export * from "./errors";
export * from "./json-schemas";
export * from "./schemas/index";
