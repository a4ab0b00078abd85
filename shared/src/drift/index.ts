export * from "./chart";
export * from "./figures";
export * from "./schema";
export * from "./settings";
