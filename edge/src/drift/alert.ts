/**
 * @module
 * Where an audit's alert goes: the events hub fans a `filter.drift_alert` event out to `/v1/events`
 * subscribers (the bot posts it with a chart). The publisher is a parameter of the audit's settle step
 * so a test can record what would be sent.
 */
import type { DriftAlertEvent } from "@distillery/shared";
import type { Env } from "../env";

export type DriftAlertPublisher = (env: Env, event: DriftAlertEvent) => Promise<void>;

export const publishDriftAlert: DriftAlertPublisher = async (env, event) => {
  await env.EVENTS.get(env.EVENTS.idFromName("events")).publishEvent(event);
};
