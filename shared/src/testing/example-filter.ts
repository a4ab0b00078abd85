/**
 * @module
 * A small, complete filter package for tests across the project (`@distillery/shared` exports it
 * as `exampleFilter`). Three dimensions, one gatekeeper, a categorical field with a cap, three tiers
 * and prefilter rules in two languages: every feature of the format, little enough to reason about.
 */
import { parseFilterPackage } from "../filter/load";
import type { FilterPackage } from "../schemas/filter";

export const EXAMPLE_FILTER_YAML = `name: example-energy
version: 1
description: Deployed clean-energy technology, for tests.
languages: [en, nl]
dimensions:
  - key: deployment
    label: Deployment maturity
    weight: 0.5
    description: How far the technology is from the lab.
    scale_notes: { "0": "idea", "3": "lab", "6": "pilot", "9": "mass market" }
  - key: impact
    label: Climate impact
    weight: 0.3
    description: Emissions avoided at scale.
  - key: evidence
    label: Evidence
    weight: 0.2
    description: Numbers and sources given.
gatekeepers:
  - dimension: deployment
    min: 3
    cap_overall_at: 3
    reason: A lab-only technology cannot reach a high tier.
categories:
  - key: content_type
    label: Content type
    description: What kind of text this is.
    values:
      - { key: news, description: Reporting. }
      - { key: press_release, description: Company announcement., cap_overall_at: 5 }
tiers:
  - { key: high, label: High, min_overall: 7, description: Deployed at scale. }
  - { key: medium, label: Medium, min_overall: 4, description: Pilots. }
  - { key: low, label: Low, min_overall: 0, description: Everything else. }
prefilter:
  min_length: 40
  sources: { deny: [spam-daily] }
  rules:
    en:
      include_keywords: [solar, wind, battery, heat pump]
      exclude_keywords: [football, horoscope]
    nl:
      include_keywords: [zonne-energie, windmolen, batterij, warmtepomp]
      exclude_keywords: [voetbal]
    "*":
      exclude_regex: ["\\\\bcasino\\\\b"]
`;

export const EXAMPLE_PROMPT = `You score news articles about deployed clean-energy technology.
Return JSON with a score (0-10) and a reason for each dimension, and the content_type.
`;

/** The example filter, parsed and validated. */
export function exampleFilter(): FilterPackage {
  return parseFilterPackage({
    filterYaml: EXAMPLE_FILTER_YAML,
    promptMd: EXAMPLE_PROMPT,
    dir: "example-energy/v1",
  });
}
