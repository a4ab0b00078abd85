export * from "./eval";
export * from "./sample-report";
export * from "./theme";
