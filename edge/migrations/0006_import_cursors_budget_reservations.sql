CREATE TABLE `import_cursors` (
	`job_id` text PRIMARY KEY NOT NULL,
	`upload_id` text NOT NULL,
	`next_offset` integer NOT NULL,
	`next_line` integer NOT NULL,
	`totals` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
ALTER TABLE `oracle_claims` ADD `reserved_usd` real DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `oracle_claims_by_job` ON `oracle_claims` (`job_id`,`expires_at`);