CREATE TABLE `oracle_batches` (
	`name` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`state` text NOT NULL,
	`article_ids` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`finished_at` text
);
--> statement-breakpoint
CREATE INDEX `oracle_batches_by_state` ON `oracle_batches` (`state`);--> statement-breakpoint
CREATE TABLE `oracle_claims` (
	`article_id` text NOT NULL,
	`filter` text NOT NULL,
	`filter_version` integer NOT NULL,
	`prompt_hash` text NOT NULL,
	`job_id` text NOT NULL,
	`claim_id` text NOT NULL,
	`expires_at` text NOT NULL,
	PRIMARY KEY(`article_id`, `filter`, `filter_version`, `prompt_hash`)
);
--> statement-breakpoint
CREATE TABLE `oracle_items` (
	`job_id` text NOT NULL,
	`article_id` text NOT NULL,
	`filter` text NOT NULL,
	`model` text NOT NULL,
	`state` text NOT NULL,
	`reason` text,
	`message` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`tokens_input` integer DEFAULT 0 NOT NULL,
	`tokens_cached` integer DEFAULT 0 NOT NULL,
	`tokens_output` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`batch_name` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`job_id`, `article_id`)
);
--> statement-breakpoint
CREATE INDEX `oracle_items_by_state` ON `oracle_items` (`job_id`,`state`);--> statement-breakpoint
CREATE INDEX `oracle_items_by_day` ON `oracle_items` (`updated_at`);--> statement-breakpoint
CREATE TABLE `oracle_jobs` (
	`job_id` text PRIMARY KEY NOT NULL,
	`filter` text NOT NULL,
	`filter_version` integer NOT NULL,
	`prompt_hash` text NOT NULL,
	`model` text NOT NULL,
	`mode` text NOT NULL,
	`budget_usd` real NOT NULL,
	`uses_standin` integer NOT NULL,
	`estimate` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
