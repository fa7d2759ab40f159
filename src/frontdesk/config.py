"""Bot configuration: one YAML file, validated by models that reject unknown keys.

Nothing here reads the environment at import time; `load_config()` is the only entry point.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from frontdesk.errors import ConfigError

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
LANGUAGE_PATTERN = r"^[a-z]{2}$"
DEFAULT_INTENT_THRESHOLD = 0.35  # chosen on CLINC150 val: docs/benchmarks.md
DEFAULT_FALLBACK = (
    "Sorry, I can't answer that from our help center. Would you like me to connect you with a person from our team?"
)
DEFAULT_CLARIFY = "Could you tell me a bit more about what you need help with?"
DEFAULT_OUT_OF_SCOPE = "Sorry, that's outside what I can help with here. I can help with {use_cases}."


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DirectorySource(Model):
    type: Literal["directory"] = "directory"
    path: Path = Field(description="Folder of .md .markdown .mdx .html .htm .txt .pdf files, read recursively.")
    approve: bool = Field(True, description="Mark this source's documents approved on ingest.")
    url_base: str | None = Field(None, description="Citations get url_base + source id when a page has no url.")


class FaqSource(Model):
    type: Literal["faq"] = "faq"
    path: Path = Field(description="Curated question/answer pairs: YAML, JSON Lines or CSV.")
    approve: bool = Field(True, description="Mark these entries approved on ingest.")


Source = Annotated[DirectorySource | FaqSource, Field(discriminator="type")]


class ChunkingConfig(Model):
    target_chars: int = Field(900, ge=200, le=8000)
    max_chars: int = Field(1500, ge=300, le=16000)


class EmbedderConfig(Model):
    type: Literal["minilm", "hash"] = Field("minilm", description="minilm: bundled all-MiniLM-L6-v2; hash: tests only.")


class KnowledgeConfig(Model):
    sources: list[Source] = Field(default_factory=list)
    chunking: ChunkingConfig = Field(default_factory=ChunkingConfig)
    embedder: EmbedderConfig = Field(default_factory=EmbedderConfig)


class RetrievalConfig(Model):
    top_k: int = Field(5, ge=1, le=50, description="Passages kept as evidence for each turn.")
    dense_weight: float = Field(0.7, ge=0, le=1, description="Weight of the embedding score in the fused ranking.")
    faq_match: float = Field(0.83, ge=0, le=1, description="Question-to-question similarity to answer an FAQ verbatim.")
    synonyms: list[list[str]] = Field(
        default_factory=list,
        description="Groups of equivalent phrases; the first is your help center's term, e.g. [refund, money back].",
    )
    builtin_synonyms: bool = Field(True, description="Also use the built-in everyday support vocabulary.")


class AnswerConfig(Model):
    threshold: float = Field(0.5, ge=0, le=1, description="Below this confidence the reply is the fallback.")
    max_citations: int = Field(3, ge=1, le=10)
    cite_threshold: float = Field(
        0.3, ge=0, le=1, description="Other passages are cited beside the answer's own when at least this confident."
    )
    max_chars: int = Field(600, ge=100, le=4000, description="Longest extracted answer.")
    fallback: str = Field(DEFAULT_FALLBACK, description="Safe wording when there is no confident answer.")
    clarify: str = Field(DEFAULT_CLARIFY, description="Question asked when a message is too vague to answer.")
    out_of_scope: str = Field(
        DEFAULT_OUT_OF_SCOPE,
        description="Reply to a message outside the bot's scope; {use_cases} is replaced by the bot's use cases.",
    )
    translations: dict[Annotated[str, Field(pattern=LANGUAGE_PATTERN)], Wording] = Field(
        default_factory=dict,
        description="Per language of `languages`: fallback, clarify and out_of_scope wording in that language.",
    )

    def wording(self, kind: Literal["fallback", "clarify", "out_of_scope"], language: str | None) -> str:
        translated = self.translations.get(language or "")
        value = getattr(translated, kind) if translated else None
        return str(value) if value else str(getattr(self, kind))


class Wording(Model):
    """The bot's fixed replies in one more language; what is left out stays in the default language."""

    fallback: str | None = None
    clarify: str | None = None
    out_of_scope: str | None = None


class IntentsConfig(Model):
    examples: Path | None = Field(
        None,
        description='JSON Lines {"text", "intent"} (or YAML intent: [examples]); intent `out_of_scope` marks '
        "what the bot must not take on. Fitted by `frontdesk ingest` or at start, and cached.",
    )
    threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Below this intent probability a message is out of scope (see eval --calibrate). Default: "
        f"{DEFAULT_INTENT_THRESHOLD} when there are out_of_scope examples, else 0 (the knowledge decides).",
    )

    def threshold_for(self, has_out_of_scope_examples: bool) -> float:
        if self.threshold is not None:
            return self.threshold
        return DEFAULT_INTENT_THRESHOLD if has_out_of_scope_examples else 0.0


BUILTIN_REASONS = (
    "low_confidence",
    "repeated_failure",
    "high_value_lead",
    "negative_sentiment",
    "account_specific",
    "payment",
    "legal",
    "bug_report",
    "human_requested",
)
FIELD_KINDS = ("email", "name", "company", "order_id", "account_id", "url", "steps", "expected", "environment")
TEAM_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class ReasonConfig(Model):
    """Tuning of one reason (built-in or custom). A custom reason fires when any of its conditions holds."""

    enabled: bool = True
    threshold: float | None = Field(None, ge=0, le=1, description="Detector score needed (built-in reasons).")
    priority: int | None = Field(None, ge=0, le=5, description="0 lowest, 5 most urgent; the queue sorts by it.")
    team: str | None = Field(None, pattern=TEAM_PATTERN, description="Overrides escalation.route for this reason.")
    collect: list[str] | None = Field(None, description=f"Fields to ask for before handing off: {FIELD_KINDS}.")
    keywords: list[str] = Field(default_factory=list, description="Words or phrases (case-insensitive) that fire it.")
    intents: list[str] = Field(default_factory=list, description="Intents (from intents.examples) that fire it.")
    attributes: dict[str, str | list[str]] = Field(
        default_factory=dict, description="Conversation context values that fire it, e.g. {plan: enterprise}."
    )

    @model_validator(mode="after")
    def _known_fields(self) -> ReasonConfig:
        unknown = [f for f in self.collect or [] if f not in FIELD_KINDS]
        if unknown:
            raise ValueError(f"unknown field(s) to collect {unknown}; known: {', '.join(FIELD_KINDS)}")
        return self


class LeadConfig(Model):
    """When conversation context makes a lead high-value, whatever the message says."""

    min_seats: int = Field(50, ge=1)
    min_employees: int = Field(200, ge=1)
    min_mrr: float = Field(2000.0, ge=0)
    plans: list[str] = Field(default_factory=lambda: ["enterprise"])


class TeamConfig(Model):
    hours: str | None = Field(
        None, description='When people answer, e.g. "Mon-Fri 09:00-17:30" or "Mon-Fri 9-17, Sat 10-14"; none: always.'
    )
    timezone: str = Field("UTC", description="IANA time zone of `hours`, e.g. Europe/Berlin.")
    response_time: str | None = Field(None, description='Shown to customers, e.g. "within 2 hours".')
    label: str | None = Field(None, description='How the team is named to customers, e.g. "billing team".')


class EscalationConfig(Model):
    default_team: str = Field("support", pattern=TEAM_PATTERN)
    route: dict[str, Annotated[str, Field(pattern=TEAM_PATTERN)]] = Field(
        default_factory=dict, description="Reason -> team; reasons not listed go to default_team."
    )
    reasons: dict[Annotated[str, Field(pattern=TEAM_PATTERN)], ReasonConfig] = Field(
        default_factory=dict, description="Per reason: switch off, tune, or define a custom reason."
    )
    lead: LeadConfig = Field(default_factory=LeadConfig)
    teams: dict[Annotated[str, Field(pattern=TEAM_PATTERN)], TeamConfig] = Field(default_factory=dict)
    field_patterns: dict[str, str] = Field(
        default_factory=dict,
        description="Regular expressions an order_id or account_id must match, e.g. {order_id: 'KW-\\d{6}'}.",
    )

    @model_validator(mode="after")
    def _custom_reasons_have_a_condition(self) -> EscalationConfig:
        for name, reason in self.reasons.items():
            if name not in BUILTIN_REASONS and not (reason.keywords or reason.intents or reason.attributes):
                raise ValueError(
                    f"custom reason {name!r} needs keywords, intents or attributes (built-in reasons: "
                    f"{', '.join(BUILTIN_REASONS)})"
                )
        for name, pattern in self.field_patterns.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"field_patterns.{name}: not a valid regular expression ({exc})") from exc
        return self

    def team_for(self, reason: str) -> str:
        configured = self.reasons.get(reason)
        if configured and configured.team:
            return configured.team
        return self.route.get(reason, self.default_team)


class StorageConfig(Model):
    url: str | None = Field(None, description="SQLAlchemy URL; default sqlite file in the data directory.")


class GatesConfig(Model):
    """Minimums `frontdesk eval` enforces (exit 1 when missed)."""

    decision_accuracy: float | None = Field(None, ge=0, le=1)
    source_hit_rate: float | None = Field(None, ge=0, le=1)
    answer_contains_rate: float | None = Field(None, ge=0, le=1)


class EvaluationConfig(Model):
    testset: Path | None = None
    gates: GatesConfig = Field(default_factory=GatesConfig)


class BotConfig(Model):
    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    audience: str = ""
    use_cases: list[str] = Field(
        default_factory=list, description="What the bot is for, in customers' words; named in the out-of-scope reply."
    )
    language: str = Field("en", pattern=LANGUAGE_PATTERN, description="The bot's default language (ISO 639-1).")
    languages: list[Annotated[str, Field(pattern=LANGUAGE_PATTERN)]] = Field(
        default_factory=list,
        description="Languages the bot serves (ISO 639-1); default: just `language`. Others get told which are.",
    )
    knowledge: KnowledgeConfig = Field(default_factory=KnowledgeConfig)
    retrieval: RetrievalConfig = Field(default_factory=RetrievalConfig)
    answer: AnswerConfig = Field(default_factory=AnswerConfig)
    intents: IntentsConfig = Field(default_factory=IntentsConfig)
    escalation: EscalationConfig = Field(default_factory=EscalationConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    # Where the file was read from; relative paths in it resolve against this folder.
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    @property
    def base_dir(self) -> Path:
        return self._base_dir

    @base_dir.setter
    def base_dir(self, value: Path) -> None:
        self._base_dir = value

    @model_validator(mode="after")
    def _chunk_sizes(self) -> BotConfig:
        if self.knowledge.chunking.max_chars < self.knowledge.chunking.target_chars:
            raise ValueError("knowledge.chunking.max_chars must be >= target_chars")
        return self

    @property
    def supported_languages(self) -> list[str]:
        return list(dict.fromkeys([self.language, *self.languages]))

    def out_of_scope_reply(self, language: str | None = None) -> str:
        cases = self.use_cases
        listed = ", ".join(cases[:-1]) + f" and {cases[-1]}" if len(cases) > 1 else "".join(cases)
        text = self.answer.wording("out_of_scope", language)
        if not listed:  # no use cases declared: drop the sentence that would name them
            text = ". ".join(part for part in text.split(". ") if "{use_cases}" not in part)
        text = text.replace("{use_cases}", listed).strip()
        return text if text.endswith((".", "!", "?")) else text + "."

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    def data_dir(self, environ: dict[str, str] | None = None) -> Path:
        env = os.environ if environ is None else environ
        if env.get("FRONTDESK_DATA_DIR"):
            return Path(env["FRONTDESK_DATA_DIR"]).expanduser().resolve()
        return (self.base_dir / ".frontdesk").resolve()

    def live_url(self, environ: dict[str, str] | None = None) -> str | None:
        """Where live updates travel between server processes: FRONTDESK_LIVE_URL (redis://, postgresql://
        or memory); None picks the conversation database's LISTEN/NOTIFY when it is PostgreSQL."""
        env = os.environ if environ is None else environ
        return env.get("FRONTDESK_LIVE_URL") or None

    def database_url(self, environ: dict[str, str] | None = None) -> str:
        env = os.environ if environ is None else environ
        if env.get("FRONTDESK_DATABASE_URL"):
            return env["FRONTDESK_DATABASE_URL"]
        url = self.storage.url
        if url is None:
            return f"sqlite:///{self.data_dir(environ) / 'frontdesk.db'}"
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            relative = url.removeprefix("sqlite:///")
            if relative and relative != ":memory:":
                return f"sqlite:///{self.resolve(Path(relative))}"
        return url


def load_config(path: str | Path) -> BotConfig:
    """Read and validate a bot.yaml; errors name the line and the closest valid key."""
    file = Path(path)
    if file.is_dir():
        file = file / "bot.yaml"
    if not file.exists():
        raise ConfigError(f"no bot config at {file}: create one with `frontdesk init`, or pass --config PATH")
    try:
        text = file.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{file}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: expected a mapping of settings at the top level")
    duplicate = _first_duplicate_key(node)
    if duplicate is not None:
        key, line = duplicate
        raise ConfigError(f"{file}:{line}: {key!r} is set twice in the same section; the first would be ignored")
    try:
        config = BotConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, file, node)) from exc
    config.base_dir = file.parent.resolve()
    return config


def _describe(exc: ValidationError, file: Path, root: yaml.Node | None) -> str:
    lines = []
    for error in exc.errors()[:5]:
        loc = [part for part in error["loc"] if not (isinstance(part, str) and part in ("directory", "faq"))]
        dotted = ".".join(str(part) for part in loc) or "(top level)"
        line = _line_of(root, loc)
        where = f"{file}:{line}" if line else str(file)
        message = error["msg"]
        if error["type"] in ("union_tag_not_found", "union_tag_invalid"):
            message = "each source needs `type: directory` or `type: faq`"
        if error["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
            hint = _closest_key(loc)
            if hint:
                message += f" (did you mean {hint!r}?)"
        lines.append(f"{where}: {dotted}: {message}")
    return "invalid bot config\n  " + "\n  ".join(lines)


def _first_duplicate_key(node: yaml.Node | None) -> tuple[str, int] | None:
    """YAML lets a later key silently replace an earlier one; in a config that hides a mistake."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    return key.value, key.start_mark.line + 1
                seen.add(key.value)
            found = _first_duplicate_key(value)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _first_duplicate_key(item)
            if found:
                return found
    return None


def _line_of(node: yaml.Node | None, loc: list[Any]) -> int | None:
    """The 1-based line of the deepest YAML node on the error's path."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _closest_key(loc: list[Any]) -> str | None:
    model: type[BaseModel] | None = BotConfig
    for part in loc[:-1]:
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        model = _model_of(field.annotation)
    if model is None:
        return None
    matches = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.5)
    return matches[0] if matches else None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def write_settings(path: str | Path, values: dict[str, float]) -> None:
    """Set scalar settings (dotted keys, two levels: `answer.threshold`) in a bot.yaml, in place.

    Only the values change: comments, order and formatting are kept, so an owner can read the diff. A key that
    is missing is added under its section (the section is added at the end when missing too). The result is
    validated before it replaces the file.
    """
    file = Path(path)
    if file.is_dir():
        file = file / "bot.yaml"
    text = file.read_text(encoding="utf-8")
    for dotted, value in values.items():
        section, _, key = dotted.partition(".")
        text = _set_value(text, section, key, value, file)
    temporary = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    try:
        load_config(temporary)
        os.replace(temporary, file)
    finally:
        temporary.unlink(missing_ok=True)


def _set_value(text: str, section: str, key: str, value: float, file: Path) -> str:
    root = yaml.compose(text)
    rendered = repr(round(value, 4))
    if root is None or not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{file}: expected a mapping of settings at the top level")
    section_node = next((v for k, v in root.value if k.value == section), None)
    if section_node is None:
        return text.rstrip("\n") + f"\n\n{section}:\n  {key}: {rendered}\n"
    if not isinstance(section_node, yaml.MappingNode) or section_node.flow_style:
        raise ConfigError(f"{file}: `{section}` is not a block mapping; set {section}.{key}: {rendered} by hand")
    value_node = next((v for k, v in section_node.value if k.value == key), None)
    if value_node is not None:
        if not isinstance(value_node, yaml.ScalarNode):
            raise ConfigError(f"{file}: {section}.{key} is not a single value; set it to {rendered} by hand")
        return text[: value_node.start_mark.index] + rendered + text[value_node.end_mark.index :]
    first_key = section_node.value[0][0]
    indent = " " * first_key.start_mark.column
    line_start = text.rfind("\n", 0, first_key.start_mark.index) + 1
    return text[:line_start] + f"{indent}{key}: {rendered}\n" + text[line_start:]
