PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_webhook_deliveries` (
	`source` text NOT NULL,
	`webhook_id` text NOT NULL,
	`article_id` text NOT NULL,
	`received_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`source`, `webhook_id`)
);
--> statement-breakpoint
INSERT INTO `__new_webhook_deliveries`("source", "webhook_id", "article_id", "received_at") SELECT "source", "webhook_id", "article_id", "received_at" FROM `webhook_deliveries`;--> statement-breakpoint
DROP TABLE `webhook_deliveries`;--> statement-breakpoint
ALTER TABLE `__new_webhook_deliveries` RENAME TO `webhook_deliveries`;--> statement-breakpoint
PRAGMA foreign_keys=ON;