/**
 * @module
 * Sends articles to the edge's webhook the way any Standard Webhooks sender does: `webhook-id`,
 * `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed
 * with the base64 part of the `whsec_…` secret (see docs/webhooks.md).
 */
import { createHmac, randomUUID } from "node:crypto";
import { type ArticleInput, DistilleryError } from "@distillery/shared";

/** The three Standard Webhooks headers for `body`. */
export function signWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": `v1,${signature}` };
}

/**
 * Posts one article to `POST /v1/webhooks/articles`; returns whether it was new.
 * @example
 * await sendArticleWebhook("http://127.0.0.1:8787", secret, article);
 */
export async function sendArticleWebhook(
  edgeUrl: string,
  secret: string,
  article: ArticleInput,
): Promise<boolean> {
  const body = JSON.stringify({
    type: "article.created",
    timestamp: new Date().toISOString(),
    data: article,
  });
  const headers = signWebhook(secret, `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), body);
  const response = await fetch(`${edgeUrl}/v1/webhooks/articles`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body,
  });
  if (response.status !== 200 && response.status !== 201) {
    throw new DistilleryError(
      "demo.webhook",
      `webhook delivery failed with ${response.status}: ${await response.text()}`,
    );
  }
  return response.status === 201;
}
