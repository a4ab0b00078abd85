-- Hand-edited after drizzle-kit: the copy statements read columns the old tables did not have
-- (provider, model of a claim, tokens_thinking); existing rows are Gemini's, a claim's model is its job's.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_oracle_claims` (
	`article_id` text NOT NULL,
	`filter` text NOT NULL,
	`filter_version` integer NOT NULL,
	`prompt_hash` text NOT NULL,
	`provider` text DEFAULT 'gemini' NOT NULL,
	`model` text DEFAULT '' NOT NULL,
	`job_id` text NOT NULL,
	`claim_id` text NOT NULL,
	`expires_at` text NOT NULL,
	`reserved_usd` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`article_id`, `filter`, `filter_version`, `prompt_hash`, `provider`, `model`)
);
--> statement-breakpoint
INSERT INTO `__new_oracle_claims`("article_id", "filter", "filter_version", "prompt_hash", "provider", "model", "job_id", "claim_id", "expires_at", "reserved_usd") SELECT "article_id", "filter", "filter_version", "prompt_hash", 'gemini', coalesce((SELECT "model" FROM `oracle_jobs` WHERE `oracle_jobs`.`job_id` = `oracle_claims`.`job_id`), ''), "job_id", "claim_id", "expires_at", "reserved_usd" FROM `oracle_claims`;--> statement-breakpoint
DROP TABLE `oracle_claims`;--> statement-breakpoint
ALTER TABLE `__new_oracle_claims` RENAME TO `oracle_claims`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `oracle_claims_by_job` ON `oracle_claims` (`job_id`,`expires_at`);--> statement-breakpoint
CREATE TABLE `__new_oracle_labels` (
	`article_id` text NOT NULL,
	`filter` text NOT NULL,
	`filter_version` integer NOT NULL,
	`prompt_hash` text NOT NULL,
	`provider` text DEFAULT 'gemini' NOT NULL,
	`model` text NOT NULL,
	`mode` text NOT NULL,
	`scores` text NOT NULL,
	`categories` text DEFAULT '{}' NOT NULL,
	`overall` real,
	`tier` text,
	`tokens_input` integer DEFAULT 0 NOT NULL,
	`tokens_cached` integer DEFAULT 0 NOT NULL,
	`tokens_output` integer DEFAULT 0 NOT NULL,
	`tokens_thinking` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`latency_ms` real DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 1 NOT NULL,
	`job_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`article_id`, `filter`, `filter_version`, `prompt_hash`, `provider`, `model`)
);
--> statement-breakpoint
INSERT INTO `__new_oracle_labels`("article_id", "filter", "filter_version", "prompt_hash", "provider", "model", "mode", "scores", "categories", "overall", "tier", "tokens_input", "tokens_cached", "tokens_output", "tokens_thinking", "cost_usd", "latency_ms", "attempts", "job_id", "created_at") SELECT "article_id", "filter", "filter_version", "prompt_hash", 'gemini', "model", "mode", "scores", "categories", "overall", "tier", "tokens_input", "tokens_cached", "tokens_output", 0, "cost_usd", "latency_ms", "attempts", "job_id", "created_at" FROM `oracle_labels`;--> statement-breakpoint
DROP TABLE `oracle_labels`;--> statement-breakpoint
ALTER TABLE `__new_oracle_labels` RENAME TO `oracle_labels`;--> statement-breakpoint
CREATE INDEX `labels_by_filter_tier` ON `oracle_labels` (`filter`,`tier`);--> statement-breakpoint
CREATE INDEX `labels_by_job` ON `oracle_labels` (`job_id`);--> statement-breakpoint
CREATE INDEX `labels_by_day` ON `oracle_labels` (`created_at`);--> statement-breakpoint
ALTER TABLE `oracle_items` ADD `tokens_thinking` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `oracle_items` ADD `truncations` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `oracle_jobs` ADD `provider` text DEFAULT 'gemini' NOT NULL;--> statement-breakpoint
ALTER TABLE `oracle_jobs` ADD `thinking` text;--> statement-breakpoint
ALTER TABLE `oracle_jobs` ADD `max_output_tokens` integer;