/**
 * @module
 * What the oracle call loop (`call.ts`) needs from a provider: one billed call that returns the
 * answer text, the billed tokens and why the answer ended. Retries, repair, truncation handling and
 * accounting stay in the loop, the same for every provider. A transport throws what the provider's
 * SDK throws; `retry.ts` classifies it by its HTTP `status` and the Retry-After it was given.
 */
import type {
  ArticleText,
  FilterPackage,
  OracleProvider,
  ResolvedOracle,
  TokenUsage,
} from "@distillery/shared";

export type OracleCallFilter = Pick<FilterPackage, "prompt" | "oracle" | "dimensions" | "categories">;

export type TransportRequest = {
  filter: OracleCallFilter;
  article: ArticleText;
  oracle: ResolvedOracle;
  /** The output limit of this attempt (larger than the oracle's on the retry after a truncation). */
  maxOutputTokens: number;
  timeoutMs: number;
  /** Called with the response's Retry-After header, when the provider sent one. */
  onRetryAfter: (value: string) => void;
};

/**
 * Why the answer ended: `stop` (complete), `length` (cut at the output limit: billed, not usable),
 * `blocked` (refused by the provider's safety filters).
 */
export type FinishKind = "stop" | "length" | "blocked";

export type TransportReply = {
  text: string;
  tokens: TokenUsage;
  finish: FinishKind;
  /** The provider's own words for a `blocked` finish (finish reason or block reason). */
  detail?: string;
};

export type OracleTransport = {
  provider: OracleProvider;
  generate(request: TransportRequest): Promise<TransportReply>;
};
