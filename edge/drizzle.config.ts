/**
 * @module
 * drizzle-kit settings: `npm run -w edge db:generate` turns changes in src/db/schema.ts into a new SQL
 * file under migrations/, which wrangler applies (`wrangler d1 migrations apply DB --local`).
 */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
