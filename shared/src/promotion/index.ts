/**
 * @module
 * Promotion: the gate that decides whether a candidate model replaces a filter's promoted model, and
 * the shapes of the promotion API.
 */
export * from "./format";
export * from "./gate";
export * from "./schemas";
