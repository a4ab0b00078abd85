/**
 * @module
 * The stand-in's `lexical` scoring: a base score that rises with words of deployed technology
 * (operating, commissioned, megawatts, measured…) and falls with words of early-stage work
 * (prototype, laboratory, concept, pilot…) in English, Dutch, Portuguese and Spanish. A student can
 * learn it from the text, unlike the default hash scoring, so `npm start`, the demo and the
 * end-to-end test show a model that actually learns. Still deterministic from the article text.
 */
import { hash32 } from "./answer";

const RISING = [
  "operating",
  "operation",
  "commissioned",
  "installed",
  "deployed",
  "megawatt",
  "megawatts",
  "gigawatt",
  "measured",
  "delivered",
  "fleet",
  "in bedrijf",
  "in gebruik",
  "geplaatst",
  "uitgerold",
  "megawatt",
  "megawattuur",
  "gemeten",
  "levert",
  "operação",
  "instaladas",
  "megawatts",
  "medida",
  "fornece",
  "funcionam",
  "operación",
  "instaladas",
  "megavatios",
  "desplegadas",
  "medida",
  "funcionan",
];
const FALLING = [
  "prototype",
  "laboratory",
  "concept",
  "could",
  "pilot",
  "trial",
  "demonstration",
  "laboratorium",
  "concept",
  "proefproject",
  "pilot",
  "proef",
  "protótipo",
  "laboratório",
  "conceito",
  "piloto",
  "testes",
  "prototipo",
  "laboratorio",
  "concepto",
  "piloto",
  "pruebas",
];

function count(words: readonly string[], text: string): number {
  let total = 0;
  for (const word of new Set(words)) {
    let from = text.indexOf(word);
    while (from !== -1) {
      total++;
      from = text.indexOf(word, from + word.length);
    }
  }
  return total;
}

function lexicalBase(articleText: string): number {
  const text = articleText.toLowerCase();
  return 5 + 0.5 * count(RISING, text) - 0.8 * count(FALLING, text);
}

/**
 * A categorical answer under lexical scoring, learnable from the wording like the scores: the first
 * value for articles with at least as many deployed-technology words as early-stage ones, later values
 * (in a filter, the capped ones such as `marketing` or `off_topic`) the more early-stage words it has.
 */
export function lexicalCategory(articleText: string, values: readonly string[]): string {
  const shortfall = Math.max(0, 5 - lexicalBase(articleText));
  return values[Math.min(values.length - 1, Math.ceil(shortfall / 1.6))]!;
}

/** Score of `articleText` on `dimension` under lexical scoring: a learnable base plus a small offset. */
export function lexicalScore(articleText: string, dimension: string): number {
  const base = lexicalBase(articleText);
  const offset = ((hash32(`${dimension}\u0000${articleText}`) % 121) - 60) / 100;
  return Math.round(Math.min(10, Math.max(0, base + offset)) * 10) / 10;
}
