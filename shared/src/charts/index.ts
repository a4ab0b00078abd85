export * from "./categories";
export * from "./curves";
export * from "./eval";
export * from "./sample-report";
export * from "./theme";
