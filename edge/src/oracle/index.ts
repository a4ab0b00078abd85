/**
 * @module
 * The oracle: Gemini calls with validation, repair, retries and cost accounting (pure, runs in
 * workerd and Node), and the oracle jobs built on them.
 */
export * from "./answer";
export * from "./call";
export * from "./client";
export * from "./cost";
export * from "./request";
export * from "./retry";
