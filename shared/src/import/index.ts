/**
 * @module
 * Import from the Python LLM Distillery: filter configurations (`config.yaml` + prompt) into our
 * filter package, and scored JSONL records into oracle labels. Pure (text and objects in, objects
 * out); the `distillery import` command reads and writes the files.
 */
export * from "./legacy-categories";
export * from "./legacy-filter";
export * from "./legacy-labels";
export * from "./legacy-prompt";
export * from "./oracle-model";
export * from "./yaml-output";
