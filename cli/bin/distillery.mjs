#!/usr/bin/env node
// The `distillery` command. The CLI is TypeScript run as-is: tsx's loader is registered in this
// process (no build step, no second process), then the entry module runs and sets the exit code.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
