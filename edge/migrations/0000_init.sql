CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`last_used_at` text,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_by_hash` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `articles` (
	`id` text PRIMARY KEY NOT NULL,
	`external_id` text,
	`url` text NOT NULL,
	`normalized_url` text NOT NULL,
	`content_hash` text NOT NULL,
	`title` text NOT NULL,
	`body` text,
	`body_key` text,
	`body_chars` integer NOT NULL,
	`language` text NOT NULL,
	`source` text NOT NULL,
	`published_at` text,
	`metadata` text DEFAULT '{}' NOT NULL,
	`import_job_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `articles_dedupe` ON `articles` (`normalized_url`,`content_hash`);--> statement-breakpoint
CREATE INDEX `articles_source` ON `articles` (`source`,`id`);--> statement-breakpoint
CREATE INDEX `articles_language` ON `articles` (`language`,`id`);--> statement-breakpoint
CREATE INDEX `articles_published` ON `articles` (`published_at`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`token_id` text,
	`actor` text NOT NULL,
	`discord_user` text,
	`action` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text NOT NULL,
	`details` text
);
--> statement-breakpoint
CREATE INDEX `audit_by_target` ON `audit_log` (`target_type`,`target_id`);--> statement-breakpoint
CREATE TABLE `dataset_splits` (
	`dataset_id` text NOT NULL,
	`article_id` text NOT NULL,
	`split` text NOT NULL,
	PRIMARY KEY(`dataset_id`, `article_id`)
);
--> statement-breakpoint
CREATE INDEX `splits_by_split` ON `dataset_splits` (`dataset_id`,`split`);--> statement-breakpoint
CREATE TABLE `datasets` (
	`id` text PRIMARY KEY NOT NULL,
	`filter` text NOT NULL,
	`filter_version` integer NOT NULL,
	`seed` integer NOT NULL,
	`report` text NOT NULL,
	`content_hash` text NOT NULL,
	`artifact_key` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `filters` (
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`package` text NOT NULL,
	`prompt_hash` text NOT NULL,
	`description` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`name`, `version`)
);
--> statement-breakpoint
CREATE TABLE `import_errors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_id` text NOT NULL,
	`line` integer NOT NULL,
	`path` text NOT NULL,
	`issue` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `import_errors_by_job` ON `import_errors` (`job_id`,`line`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`state` text NOT NULL,
	`spec` text NOT NULL,
	`progress` text NOT NULL,
	`result` text,
	`error` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`lease_node_id` text,
	`lease_id` text,
	`lease_expires_at` text,
	`created_by` text NOT NULL,
	`notify` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`started_at` text,
	`finished_at` text
);
--> statement-breakpoint
CREATE INDEX `jobs_by_state` ON `jobs` (`state`,`kind`);--> statement-breakpoint
CREATE INDEX `jobs_by_kind` ON `jobs` (`kind`,`created_at`);--> statement-breakpoint
CREATE INDEX `jobs_by_lease` ON `jobs` (`lease_expires_at`);--> statement-breakpoint
CREATE TABLE `oracle_labels` (
	`article_id` text NOT NULL,
	`filter` text NOT NULL,
	`filter_version` integer NOT NULL,
	`prompt_hash` text NOT NULL,
	`model` text NOT NULL,
	`mode` text NOT NULL,
	`scores` text NOT NULL,
	`categories` text DEFAULT '{}' NOT NULL,
	`overall` real,
	`tier` text,
	`tokens_input` integer DEFAULT 0 NOT NULL,
	`tokens_cached` integer DEFAULT 0 NOT NULL,
	`tokens_output` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`latency_ms` real DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 1 NOT NULL,
	`job_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`article_id`, `filter`, `filter_version`, `prompt_hash`)
);
--> statement-breakpoint
CREATE INDEX `labels_by_filter_tier` ON `oracle_labels` (`filter`,`tier`);--> statement-breakpoint
CREATE INDEX `labels_by_job` ON `oracle_labels` (`job_id`);--> statement-breakpoint
CREATE INDEX `labels_by_day` ON `oracle_labels` (`created_at`);--> statement-breakpoint
CREATE TABLE `prediction_chunks` (
	`job_id` text NOT NULL,
	`shard` integer NOT NULL,
	`chunk_index` integer NOT NULL,
	`count` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`job_id`, `shard`, `chunk_index`)
);
--> statement-breakpoint
CREATE TABLE `predictions` (
	`job_id` text NOT NULL,
	`article_id` text NOT NULL,
	`model_id` text NOT NULL,
	`filter` text NOT NULL,
	`filter_version` integer NOT NULL,
	`scores` text NOT NULL,
	`reasons` text,
	`overall` real,
	`tier` text,
	`parse_status` text,
	`interval_low` real,
	`interval_high` real,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`job_id`, `article_id`)
);
--> statement-breakpoint
CREATE INDEX `predictions_by_filter_tier` ON `predictions` (`filter`,`tier`);--> statement-breakpoint
CREATE INDEX `predictions_by_article` ON `predictions` (`article_id`);--> statement-breakpoint
CREATE TABLE `prefilter_results` (
	`article_id` text NOT NULL,
	`filter` text NOT NULL,
	`filter_version` integer NOT NULL,
	`pass` integer NOT NULL,
	`rule` text NOT NULL,
	`detail` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`article_id`, `filter`, `filter_version`)
);
--> statement-breakpoint
CREATE INDEX `prefilter_by_filter` ON `prefilter_results` (`filter`,`filter_version`,`pass`);--> statement-breakpoint
CREATE TABLE `student_models` (
	`id` text PRIMARY KEY NOT NULL,
	`filter` text NOT NULL,
	`filter_version` integer NOT NULL,
	`dataset_id` text NOT NULL,
	`job_id` text,
	`kind` text NOT NULL,
	`base_model` text NOT NULL,
	`backend` text NOT NULL,
	`metrics` text,
	`artifact_key` text,
	`artifact_sha256` text,
	`artifact_bytes` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `models_by_filter` ON `student_models` (`filter`,`filter_version`);--> statement-breakpoint
CREATE TABLE `uploads` (
	`id` text PRIMARY KEY NOT NULL,
	`object_key` text NOT NULL,
	`multipart_upload_id` text,
	`state` text NOT NULL,
	`parts` text DEFAULT '[]' NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL,
	`filename` text,
	`created_by` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`webhook_id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`article_id` text NOT NULL,
	`received_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_secrets` (
	`id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`secret` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE INDEX `webhook_secrets_by_source` ON `webhook_secrets` (`source`);