#!/usr/bin/env node
// Runs the agent's TypeScript through tsx, so no build step is needed.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
