/**
 * @module
 * `@distillery/gpu-node`: the node agent. It runs Python through the job runner of
 * `@distillery/shared/node`, the same one the CLI's file-based `distill` uses.
 */
export { Agent, type AgentOptions, detectCapabilities } from "./agent/agent";
