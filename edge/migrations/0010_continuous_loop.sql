CREATE TABLE `filter_health` (
	`id` text PRIMARY KEY NOT NULL,
	`filter` text NOT NULL,
	`filter_version` integer NOT NULL,
	`model_id` text,
	`oracle_job_id` text,
	`state` text NOT NULL,
	`started_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`finished_at` text,
	`figures` text
);
--> statement-breakpoint
CREATE INDEX `health_by_filter` ON `filter_health` (`filter`,`started_at`);--> statement-breakpoint
CREATE TABLE `filter_promotions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`filter` text NOT NULL,
	`model_id` text NOT NULL,
	`promoted_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`token_id` text,
	`override` integer DEFAULT false NOT NULL,
	`reason` text,
	`comparison` text
);
--> statement-breakpoint
CREATE INDEX `promotions_by_filter` ON `filter_promotions` (`filter`,`promoted_at`);--> statement-breakpoint
ALTER TABLE `oracle_items` ADD `selection` text DEFAULT 'unknown' NOT NULL;--> statement-breakpoint
ALTER TABLE `oracle_labels` ADD `selection` text DEFAULT 'unknown' NOT NULL;