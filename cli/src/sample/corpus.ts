/**
 * @module
 * The bundled sample corpus that `npm start` seeds and `distillery demo` runs on: energy-technology
 * stories in English, Dutch, Portuguese and Spanish at four stages of maturity, plus off-topic
 * stories (sport, recipes) that the prefilter blocks. Generated from templates with a seeded PRNG,
 * so every machine gets the same articles and the file need not be committed.
 */

import type { ArticleInput } from "@distillery/shared";
import { seededRandom } from "@distillery/shared";
import { type LanguageVocabulary, type Stage, VOCABULARY } from "./vocabulary";

export type SampleCorpusOptions = { count?: number; seed?: number; offTopicShare?: number };

const SOURCES = [
  "wire-north",
  "daily-grid",
  "energy-weekly",
  "regional-post",
  "tech-herald",
  "klimaatkrant",
  "diario-verde",
  "jornal-da-energia",
];

function fill(template: string, slots: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => slots[key] ?? key);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function story(
  vocabulary: LanguageVocabulary,
  stage: Stage,
  random: () => number,
): { title: string; body: string } {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const slots = {
    tech: pick(vocabulary.technologies),
    place: pick(vocabulary.places),
    company: pick(vocabulary.companies),
  };
  const number = () => String(5 + Math.floor(random() * 400));
  const sentences = [fill(pick(vocabulary.stages[stage]), { ...slots, n: number() })];
  const evidenceCount = stage === 0 ? 0 : stage - 1 + Math.floor(random() * 2) + (stage === 3 ? 1 : 0);
  const context = [...vocabulary.context].sort(() => random() - 0.5);
  const evidence = [...vocabulary.evidence].sort(() => random() - 0.5);
  for (let i = 0; i < evidenceCount && i < evidence.length; i++)
    sentences.push(fill(evidence[i]!, { ...slots, n: number() }));
  const contextCount = 4 + Math.floor(random() * (context.length - 3));
  for (let i = 0; i < contextCount; i++) sentences.push(context[i]!);
  // A second stage sentence restates the news, as wire copy often does.
  sentences.push(fill(pick(vocabulary.stages[stage]), { ...slots, n: number() }));
  return {
    title: capitalise(fill(pick(vocabulary.titles[stage]), slots)),
    body: sentences.map(capitalise).join(" "),
  };
}

/**
 * Generates the sample corpus.
 * @example
 * const articles = generateSampleCorpus({ count: 400 }); // ArticleInput[], ~10% off-topic
 */
export function generateSampleCorpus(options: SampleCorpusOptions = {}): ArticleInput[] {
  const { count = 400, seed = 2026, offTopicShare = 0.1 } = options;
  const random = seededRandom(seed);
  const languages = Object.keys(VOCABULARY) as (keyof typeof VOCABULARY)[];
  const articles: ArticleInput[] = [];
  for (let i = 0; i < count; i++) {
    // English carries half the corpus, as in the real dev set; the rest is spread over nl, pt, es.
    const language = random() < 0.5 ? "en" : languages[1 + Math.floor(random() * 3)]!;
    const vocabulary = VOCABULARY[language];
    const offTopic = random() < offTopicShare;
    const { title, body } = offTopic
      ? {
          title: capitalise(
            vocabulary.offTopic[i % vocabulary.offTopic.length]!.split(" ").slice(0, 6).join(" "),
          ),
          body: vocabulary.offTopic[i % vocabulary.offTopic.length]!,
        }
      : story(vocabulary, Math.floor(random() * 4) as Stage, random);
    const day = 1 + Math.floor(random() * 300);
    articles.push({
      url: `https://sample.distillery.invalid/${seed}/${language}/${String(i).padStart(5, "0")}`,
      title,
      body,
      language,
      source: SOURCES[Math.floor(random() * SOURCES.length)]!,
      published_at: new Date(Date.UTC(2026, 0, day, 8 + (i % 10))).toISOString(),
      metadata: { sample: true },
    });
  }
  return articles;
}
