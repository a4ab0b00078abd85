/**
 * @module
 * Vitest global setup for test projects whose code calls Gemini from elsewhere (the edge tests run in
 * workerd): starts the stand-in in Node on port 8822, the `GEMINI_BASE_URL` those projects bind.
 * Tests steer its faults through `POST /__standin/config` and read `GET /__standin/stats`.
 */
import { standinGlobalSetup } from "../common/global-setup";
import { startGeminiStandin } from "./server";

export const GEMINI_TEST_PORT = 8822;

export default standinGlobalSetup(startGeminiStandin, GEMINI_TEST_PORT);
