CREATE TABLE `bakeoff_items` (
	`job_id` text NOT NULL,
	`oracle` text NOT NULL,
	`article_id` text NOT NULL,
	`replicate` integer NOT NULL,
	`state` text NOT NULL,
	`reused` integer DEFAULT false NOT NULL,
	`scores` text,
	`categories` text,
	`overall` real,
	`tier` text,
	`tokens_input` integer DEFAULT 0 NOT NULL,
	`tokens_output` integer DEFAULT 0 NOT NULL,
	`tokens_thinking` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`reason` text,
	`message` text,
	`claim_id` text,
	`claim_expires_at` text,
	`reserved_usd` real DEFAULT 0 NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`job_id`, `oracle`, `article_id`, `replicate`)
);
--> statement-breakpoint
CREATE INDEX `bakeoff_items_by_state` ON `bakeoff_items` (`job_id`,`state`);--> statement-breakpoint
CREATE TABLE `bakeoff_jobs` (
	`job_id` text PRIMARY KEY NOT NULL,
	`filter` text NOT NULL,
	`filter_version` integer NOT NULL,
	`oracles` text NOT NULL,
	`requested` integer NOT NULL,
	`budget_usd` real NOT NULL,
	`stopped_reason` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
