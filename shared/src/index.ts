/**
 * @module
 * `@distillery/shared`: every shape that crosses a boundary (zod schemas and their inferred types),
 * the filter engine (load, prefilter, postfilter, prompt rendering, oracle response schema) and the
 * metrics. Pure TypeScript: runs in workerd, Node and the browser. Node-only helpers live in `./node`.
 */
export * from "./cascade/index";
export * from "./charts/index";
export * from "./client/index";
export * from "./dataset/index";
export * from "./drift/index";
export * from "./error-codes";
export * from "./errors";
export * from "./filter/index";
export * from "./hash/index";
export * from "./ids";
export * from "./import/index";
export * from "./json-schemas";
export * from "./metrics/index";
export * from "./oracle/index";
export * from "./promotion/index";
export * from "./random";
export * from "./report/eval-report";
export * from "./report/verdict";
export * from "./schemas/index";
export * from "./testing/bakeoff-report";
export * from "./testing/example-filter";
