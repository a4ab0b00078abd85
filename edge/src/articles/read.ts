/**
 * @module
 * Reading articles: one by id (with its body, from R2 when stored there) and cursor-paginated lists
 * filtered by source, language, publication date and the tier a filter gave it (from oracle labels
 * or student predictions).
 */
import type { Article, ArticleListQuery, ArticleSummary } from "@distillery/shared";
import { and, desc, eq, gte, lt, lte, or, type SQL, sql } from "drizzle-orm";
import { database } from "../db/client";
import { type Page, paginate } from "../db/pagination";
import { articles, oracleLabels, predictions } from "../db/schema";
import type { Env } from "../env";
import { notFound } from "../errors";

type ArticleRow = typeof articles.$inferSelect;

function summary(row: ArticleRow): ArticleSummary {
  return {
    id: row.id,
    external_id: row.external_id,
    url: row.url,
    normalized_url: row.normalized_url,
    content_hash: row.content_hash,
    title: row.title,
    language: row.language,
    source: row.source,
    published_at: row.published_at,
    metadata: row.metadata,
    created_at: row.created_at,
    body_chars: row.body_chars,
  };
}

/** The article with `id` and its full body, or 404 `article.not_found`. */
export async function getArticle(env: Env, id: string): Promise<Article> {
  const row = await database(env.DB).select().from(articles).where(eq(articles.id, id)).get();
  if (!row) throw notFound("article", id);
  let body = row.body ?? "";
  if (row.body_key) {
    const object = await env.BUCKET.get(row.body_key);
    if (!object) throw new Error(`article ${id}: body object ${row.body_key} is missing from R2`);
    body = await object.text();
  }
  const { body_chars: _chars, ...rest } = summary(row);
  return { ...rest, body };
}

/** Newest first; the cursor is the last id of the previous page. */
export async function listArticles(env: Env, query: ArticleListQuery): Promise<Page<ArticleSummary>> {
  const conditions: SQL[] = [];
  if (query.source) conditions.push(eq(articles.source, query.source));
  if (query.language) conditions.push(eq(articles.language, query.language));
  if (query.published_since) conditions.push(gte(articles.published_at, query.published_since));
  if (query.published_until) conditions.push(lte(articles.published_at, query.published_until));
  if (query.cursor) conditions.push(lt(articles.id, query.cursor));
  if (query.tier) {
    const [filter, tier] = query.tier.split(":") as [string, string];
    const labelled = sql`exists (select 1 from ${oracleLabels} where ${oracleLabels.article_id} = ${articles.id} and ${oracleLabels.filter} = ${filter} and ${oracleLabels.tier} = ${tier})`;
    const predicted = sql`exists (select 1 from ${predictions} where ${predictions.article_id} = ${articles.id} and ${predictions.filter} = ${filter} and ${predictions.tier} = ${tier})`;
    conditions.push(or(labelled, predicted) as SQL);
  }
  return paginate({
    limit: query.limit,
    fetchRows: (take) =>
      database(env.DB)
        .select()
        .from(articles)
        .where(and(...conditions))
        .orderBy(desc(articles.id))
        .limit(take)
        .all(),
    toItem: summary,
    cursorOf: (row) => row.id,
  });
}
