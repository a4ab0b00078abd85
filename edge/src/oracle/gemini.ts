/**
 * @module
 * The Gemini transport: one `generateContent` call through `@google/genai` with the filter's request
 * (`request.ts`), read into the provider-neutral reply. `MAX_TOKENS` is a truncation (thinking tokens
 * count against the limit, so a 2.5 model that thinks can end there with no text at all); `SAFETY`
 * and friends, or a blocked prompt, are refusals.
 */
import type { GoogleGenAI } from "@google/genai";
import { usageTokens } from "./cost";
import { oracleRequest } from "./request";
import type { FinishKind, OracleTransport, TransportReply, TransportRequest } from "./transport";

const BLOCKED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"]);

function finishKind(reason: string | undefined): FinishKind {
  if (reason === "MAX_TOKENS") return "length";
  return reason && BLOCKED.has(reason) ? "blocked" : "stop";
}

/** A transport over one `GoogleGenAI` client (the real API, or the stand-in by base URL). */
export function geminiTransport(ai: GoogleGenAI): OracleTransport {
  return {
    provider: "gemini",
    async generate(request: TransportRequest): Promise<TransportReply> {
      const { filter, article, oracle, maxOutputTokens, timeoutMs, onRetryAfter } = request;
      const params = oracleRequest(filter, article, oracle, maxOutputTokens);
      const capturingFetch: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        const retryAfter = response.headers.get("retry-after");
        if (retryAfter) onRetryAfter(retryAfter);
        return response;
      };
      const response = await ai.models.generateContent({
        ...params,
        config: { ...params.config, httpOptions: { timeout: timeoutMs, fetch: capturingFetch } },
      });
      const tokens = usageTokens(response.usageMetadata);
      const candidate = response.candidates?.[0];
      const blockReason = response.promptFeedback?.blockReason;
      if (!candidate || blockReason) {
        return { text: "", tokens, finish: "blocked", detail: blockReason ?? "no candidate" };
      }
      const finish = finishKind(candidate.finishReason);
      return { text: response.text ?? "", tokens, finish, detail: candidate.finishReason };
    },
  };
}
