/**
 * @module
 * Dataset building: near-duplicate removal and the stratified, seeded 80/10/10 split.
 */
export * from "./build";
export * from "./near-duplicates";
