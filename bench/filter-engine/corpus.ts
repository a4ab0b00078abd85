/**
 * @module
 * A generated multilingual corpus of realistic length (1-3K characters) for the filter-engine
 * benchmark: sentences from small per-language vocabularies, some on-topic, some off-topic, so the
 * prefilter exercises both its exclude and include paths.
 */
import { seededRandom } from "@distillery/shared";

const WORDS: Record<string, string[]> = {
  en: "the city council said new plans would change how people travel and work across the region while officials reviewed costs and residents waited for answers".split(
    " ",
  ),
  nl: "de gemeente zei dat nieuwe plannen de manier waarop mensen reizen en werken in de regio zouden veranderen terwijl ambtenaren de kosten bekeken".split(
    " ",
  ),
  pt: "a câmara municipal disse que novos planos mudariam a forma como as pessoas viajam e trabalham na região enquanto os custos eram analisados".split(
    " ",
  ),
  es: "el ayuntamiento dijo que los nuevos planes cambiarían la forma en que la gente viaja y trabaja en la región mientras se revisaban los costes".split(
    " ",
  ),
};
const TOPIC: Record<string, string[]> = {
  en: ["solar farm", "wind turbines", "heat pump", "battery storage", "green hydrogen", "football match"],
  nl: ["zonnepark", "windturbines", "warmtepomp", "batterijopslag", "groene waterstof", "voetbalwedstrijd"],
  pt: [
    "parque solar",
    "turbinas eólicas",
    "bomba de calor",
    "armazenamento de energia",
    "hidrogénio verde",
    "jogo de futebol",
  ],
  es: [
    "parque solar",
    "aerogeneradores",
    "bomba de calor",
    "almacenamiento en baterías",
    "hidrógeno verde",
    "partido de fútbol",
  ],
};
export const LANGUAGES = Object.keys(WORDS);

export type GeneratedArticle = { title: string; body: string; language: string; source: string };

export function generateCorpus(count: number, seed = 1): GeneratedArticle[] {
  const random = seededRandom(seed);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const articles: GeneratedArticle[] = [];
  for (let i = 0; i < count; i++) {
    const language = pick(LANGUAGES);
    const words = WORDS[language]!;
    const target = 1_000 + Math.floor(random() * 2_000);
    const parts: string[] = [];
    let length = 0;
    while (length < target) {
      const sentence: string[] = [];
      const n = 8 + Math.floor(random() * 14);
      for (let w = 0; w < n; w++) sentence.push(random() < 0.03 ? pick(TOPIC[language]!) : pick(words));
      const text = `${sentence.join(" ")}.`;
      parts.push(text.charAt(0).toUpperCase() + text.slice(1));
      length += text.length + 1;
    }
    articles.push({
      title: `${pick(TOPIC[language]!)} ${pick(words)} ${pick(words)}`,
      body: parts.join(" "),
      language,
      source: `source-${i % 50}`,
    });
  }
  return articles;
}
