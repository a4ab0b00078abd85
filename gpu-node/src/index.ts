/**
 * @module
 * `@distillery/gpu-node`: the node agent and its job runner. The runner (`@distillery/gpu-node/runner`)
 * is what the CLI's file-based `distill` uses to run Python without any edge.
 */
export { Agent, type AgentOptions, detectCapabilities } from "./agent/agent";
export * from "./runner/index";
