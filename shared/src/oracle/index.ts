/**
 * @module
 * The oracle stage's shared pieces: API shapes, the calibration of two labelings, which settings each
 * model takes, and the price table.
 */
export * from "./api";
export * from "./bakeoff";
export * from "./bakeoff-report";
export * from "./calibration";
export * from "./choice";
export * from "./models";
export * from "./oracle-ref";
export * from "./prices";
