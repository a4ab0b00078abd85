"""Active vs random labelling, simulated on the real Gemini-labelled dev set: the held labels play the oracle.
Run through ``npm run bench -- active``, which imports the labels and the legacy filter with the project's own
importer, groups near-duplicate texts with the shared MinHash code and passes both here.

A fixed random test set (``--test-share`` of the articles, seed fixed: the quality bench's split) is never
labelled by either strategy. Both start from the same ``--start`` random labels of the rest (the pool), then
add ``--step`` labels per round: ``random`` draws them uniformly from the unlabelled pool; ``active`` does what
an ``uncertain`` oracle selection does: ``--random-share`` of them at random, the others the most doubtful
(predicted interval crossing a tier boundary first, then the widest), never two of one near-duplicate group.
After every round the ``lexical`` student (the cheapest student with conformal intervals) is trained on the
labels so far with the function the CLI runs and scored on the test set.

Progress goes to stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "quality"))

from quality_bench import metrics, read_predictions, read_rows, write_jsonl

from distillery_gpu.probe import evaluate_probe, train_lexical
from distillery_gpu.probe.postfilter import postfilter


def log(message: str) -> None:
    print(f"bench active: {message}", file=sys.stderr, flush=True)


def tier_index(filter_package: dict[str, Any]) -> dict[str, int]:
    """Tiers from the highest (0) down, as the filter lists them by threshold."""
    ordered = sorted(filter_package["tiers"], key=lambda t: -t["min_overall"])
    return {t["key"]: i for i, t in enumerate(ordered)}


def tier_of(filter_package: dict[str, Any], overall: float) -> str:
    for tier in sorted(filter_package["tiers"], key=lambda t: -t["min_overall"]):
        if overall >= tier["min_overall"]:
            return tier["key"]
    return min(filter_package["tiers"], key=lambda t: t["min_overall"])["key"]


def top_tiers_recall(
    filter_package: dict[str, Any], rows: list[dict[str, Any]], predictions: list[dict[str, Any]], top: set[str]
) -> float | None:
    """Of the test articles the oracle puts in a top tier, the share the student puts in a top tier too."""
    hits = total = 0
    for row, prediction in zip(rows, predictions, strict=True):
        if row["tier"] not in top:
            continue
        total += 1
        hits += postfilter(filter_package, prediction["scores"], prediction.get("categories") or {})["tier"] in top
    return hits / total if total else None


def train_and_score(
    filter_package: dict[str, Any],
    labelled: list[dict[str, Any]],
    score: dict[str, list[dict[str, Any]]],
    work: Path,
    name: str,
) -> dict[str, list[dict[str, Any]]]:
    """Trains the lexical student on `labelled` (a tenth handed over as validation) and scores each named row set."""
    out = work / name
    out.mkdir(parents=True, exist_ok=True)
    n_validation = max(1, len(labelled) // 10)
    data = {
        "train": write_jsonl(out / "train.jsonl", [dict(r, split="train") for r in labelled[n_validation:]]),
        "validation": write_jsonl(
            out / "validation.jsonl", [dict(r, split="validation") for r in labelled[:n_validation]]
        ),
    }
    job = {
        "command": "train",
        "job_id": name,
        "filter": filter_package,
        "device": "cpu",
        "student": {"kind": "lexical"},
        "data": data,
    }
    trained = train_lexical(job, out / "model")
    scored: dict[str, list[dict[str, Any]]] = {}
    for key, rows in score.items():
        if not rows:
            scored[key] = []
            continue
        path = write_jsonl(out / f"{key}.jsonl", [dict(r, split="test") for r in rows])
        evaluation = evaluate_probe(
            {
                "command": "eval",
                "job_id": f"{name}-{key}",
                "model_dir": trained["model_dir"],
                "device": "cpu",
                "data": {"test": path},
            },
            out / f"eval-{key}",
        )
        scored[key] = read_predictions(out / f"eval-{key}" / evaluation["predictions"])
    return scored


def doubt_order(
    filter_package: dict[str, Any], rows: list[dict[str, Any]], predictions: list[dict[str, Any]]
) -> list[int]:
    """Indexes of `rows` from most to least doubtful: interval crossing a tier boundary, then width, then id."""
    keyed = []
    for i, (row, prediction) in enumerate(zip(rows, predictions, strict=True)):
        low, high = prediction["overall_interval"]
        crosses = tier_of(filter_package, low) != tier_of(filter_package, high)
        keyed.append((not crosses, -(high - low), row["article_id"], i))
    return [k[3] for k in sorted(keyed)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--filter", required=True)
    parser.add_argument("--labels", required=True)
    parser.add_argument("--groups", required=True, help="JSON: article id -> near-duplicate group id")
    parser.add_argument("--work", required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--test-share", type=float, default=0.2)
    parser.add_argument("--start", type=int, default=200)
    parser.add_argument("--step", type=int, default=200)
    parser.add_argument("--until", type=int, default=1800)
    parser.add_argument("--random-share", type=float, default=0.2)
    parser.add_argument(
        "--repeats", type=int, default=1, help="runs with different start sets and random draws (seed, seed+1, ...)"
    )
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    filter_package = json.loads(Path(args.filter).read_text(encoding="utf-8"))
    groups: dict[str, str] = json.loads(Path(args.groups).read_text(encoding="utf-8"))
    rows = read_rows(Path(args.labels), filter_package)
    order = np.random.default_rng(args.seed).permutation(len(rows))
    n_test = round(args.test_share * len(rows))
    test = [rows[i] for i in order[:n_test]]
    pool = [rows[i] for i in order[n_test:]]
    ranks = tier_index(filter_package)
    counts = {t: sum(r["tier"] == t for r in test) for t in ranks}
    # The top tiers: every tier above the two most common ones (the rare articles a filter exists to find).
    common = sorted(counts, key=lambda t: -counts[t])[:2]
    top = {t for t in ranks if ranks[t] < min(ranks[c] for c in common)}
    log(
        f"{len(rows)} articles; test {len(test)} (fixed), pool {len(pool)}; "
        f"test tiers {counts}; top tiers {sorted(top)}"
    )

    curves: dict[str, list[dict[str, Any]]] = {"random": [], "active": []}
    budgets = list(range(args.start, min(args.until, len(pool)) + 1, args.step))
    for repeat in range(args.repeats):
        rng_seed = args.seed + repeat
        start = list(np.random.default_rng(rng_seed).permutation(len(pool))[: args.start])
        for strategy in ("random", "active"):
            rng = np.random.default_rng(rng_seed + 1000)
            labelled = list(start)
            scored: dict[str, list[dict[str, Any]]] = {"pool": []}
            for budget in budgets:
                if len(labelled) < budget:
                    done = set(labelled)
                    unlabelled = [i for i in range(len(pool)) if i not in done]
                    want = budget - len(labelled)
                    if strategy == "random":
                        picks = list(rng.choice(unlabelled, size=want, replace=False))
                    else:
                        n_random = round(want * args.random_share)
                        # The previous round scored exactly these unlabelled articles, in this order.
                        doubt = scored["pool"]
                        taken_groups = {groups.get(pool[i]["article_id"]) for i in labelled} - {None}
                        picks = []
                        for k in doubt_order(filter_package, [pool[i] for i in unlabelled], doubt):
                            if len(picks) >= want - n_random:
                                break
                            group = groups.get(pool[unlabelled[k]]["article_id"])
                            if group is not None and group in taken_groups:
                                continue
                            picks.append(unlabelled[k])
                            if group is not None:
                                taken_groups.add(group)
                        chosen = set(picks)
                        rest = [i for i in unlabelled if i not in chosen]
                        picks += list(rng.choice(rest, size=min(n_random, len(rest)), replace=False))
                    labelled += [int(i) for i in picks]
                labelled_set = set(labelled)
                unlabelled_rows = [pool[i] for i in range(len(pool)) if i not in labelled_set]
                scored = train_and_score(
                    filter_package,
                    [pool[i] for i in labelled],
                    {"test": test, "pool": unlabelled_rows if strategy == "active" else []},
                    work,
                    f"{strategy}-r{repeat}-{budget}",
                )
                figures = metrics(filter_package, test, scored["test"])
                point = {
                    "repeat": repeat,
                    "labels": len(labelled),
                    "dimension_mae": figures["dimension_mae"],
                    "overall_mae": figures["overall_mae"],
                    "tier_agreement": figures["tier_agreement"],
                    "accuracy": figures["accuracy"],
                    "top_tier_recall": top_tiers_recall(filter_package, test, scored["test"], top),
                    "labelled_top_tier": sum(pool[i]["tier"] in top for i in labelled),
                }
                curves[strategy].append(point)
                log(
                    f"{strategy} r{repeat} {len(labelled)} labels: tier agreement {point['tier_agreement']:.3f}, "
                    f"dim MAE {point['dimension_mae']:.3f}, top-tier recall {point['top_tier_recall']}, "
                    f"top-tier labels {point['labelled_top_tier']}"
                )
    print(
        json.dumps(
            {
                "articles": len(rows),
                "test": len(test),
                "pool": len(pool),
                "seed": args.seed,
                "start": args.start,
                "step": args.step,
                "random_share": args.random_share,
                "repeats": args.repeats,
                "top_tiers": sorted(top),
                "student": "lexical",
                "curves": curves,
            }
        )
    )


if __name__ == "__main__":
    main()
