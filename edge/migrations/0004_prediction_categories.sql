ALTER TABLE `predictions` ADD `categories` text;--> statement-breakpoint
ALTER TABLE `predictions` ADD `uncalibrated_scores` text;--> statement-breakpoint
ALTER TABLE `predictions` ADD `overall_scale` real;