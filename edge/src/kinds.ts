/**
 * @module
 * The one place job kinds are wired to the jobs module: each kind's hooks (validate, start, redrive,
 * cancelled) are registered here, so `jobs/` never imports the modules that run the kinds. Imported
 * for its effect by the worker entry (`index.ts`), the app (`app.ts`) and the test setup. To hook a
 * new kind, register it here.
 */
import { bakeoffJobHooks } from "./bakeoff/jobs";
import { gpuJobHooks } from "./hub/starter";
import { importJobHooks } from "./imports/starter";
import { registerJobKind } from "./jobs/kinds";
import { oracleJobHooks } from "./oracle/jobs";

registerJobKind("import", importJobHooks);
registerJobKind("oracle", oracleJobHooks);
registerJobKind("train", gpuJobHooks);
registerJobKind("eval", gpuJobHooks);
registerJobKind("infer", gpuJobHooks);
registerJobKind("bakeoff", bakeoffJobHooks);
