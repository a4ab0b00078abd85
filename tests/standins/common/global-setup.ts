/**
 * @module
 * The vitest global setup both API stand-ins share: test projects whose code calls the API from
 * elsewhere (the edge tests run in workerd) get the stand-in in Node on a fixed port they bind, with
 * prefix caching from the first token; each stand-in's `global-setup.ts` names its start and port.
 */

type StartStandin = (options: {
  port: number;
  minCacheTokens: number;
}) => Promise<{ close(): Promise<void> }>;

/**
 * A vitest global setup that starts the stand-in on `port` and closes it after the run.
 * @example
 * export default standinGlobalSetup(startGeminiStandin, 8822);
 */
export function standinGlobalSetup(start: StartStandin, port: number) {
  return async function setup() {
    const standin = await start({ port, minCacheTokens: 0 });
    return () => standin.close();
  };
}
