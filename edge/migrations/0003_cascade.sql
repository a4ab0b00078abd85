CREATE TABLE `cascades` (
	`infer_job_id` text PRIMARY KEY NOT NULL,
	`oracle_job_id` text,
	`coverage` real NOT NULL,
	`doubtful` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`finished_at` text
);
--> statement-breakpoint
CREATE INDEX `cascades_by_oracle_job` ON `cascades` (`oracle_job_id`);--> statement-breakpoint
ALTER TABLE `predictions` ADD `source` text DEFAULT 'student';