/**
 * @module
 * The oracle stage's shared pieces: API shapes and the calibration of two labelings.
 */
export * from "./api";
export * from "./calibration";
