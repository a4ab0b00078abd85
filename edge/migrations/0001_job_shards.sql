CREATE TABLE `job_shards` (
	`job_id` text NOT NULL,
	`shard` integer NOT NULL,
	`shard_count` integer NOT NULL,
	`state` text NOT NULL,
	`node_id` text,
	`lease_id` text,
	`lease_expires_at` integer,
	`last_node_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`input_max_rowid` integer,
	`progress` text,
	`result` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`job_id`, `shard`)
);
--> statement-breakpoint
CREATE INDEX `job_shards_by_state` ON `job_shards` (`state`,`lease_expires_at`);--> statement-breakpoint
CREATE INDEX `job_shards_by_node` ON `job_shards` (`node_id`);