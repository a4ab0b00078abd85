/**
 * @module
 * Vitest global setup for test projects whose code calls an OpenAI-compatible endpoint from elsewhere
 * (the edge tests run in workerd): starts the stand-in in Node on port 8825, the `OPENAI_BASE_URL`
 * those projects bind (with `/v1`). Tests steer its faults through `POST /__standin/config` and read
 * `GET /__standin/stats`.
 */
import { standinGlobalSetup } from "../common/global-setup";
import { startOpenAIStandin } from "./server";

export const OPENAI_TEST_PORT = 8825;

export default standinGlobalSetup(startOpenAIStandin, OPENAI_TEST_PORT);
