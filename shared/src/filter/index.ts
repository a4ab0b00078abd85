export * from "./load";
export * from "./postfilter";
export * from "./prefilter";
export * from "./prompt";
export * from "./response";
