/**
 * `npm run check:cycles`: no runtime import cycle in edge/src. Type-only imports (`import type`,
 * `import { type Env }`) vanish when TypeScript compiles, so they cannot form a cycle at run time and
 * are not counted (`tsPreCompilationDeps: false` reads each file as the compiler emits it). Break a
 * cycle by registration (see edge/src/kinds.ts), not by importing the other way round.
 */
module.exports = {
  forbidden: [
    {
      name: "no-runtime-cycle",
      severity: "error",
      comment: "a module imports itself back through others at run time",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: false,
    tsConfig: { fileName: "edge/tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/|\\.test\\.ts$" },
    includeOnly: "^edge/src/",
  },
};
