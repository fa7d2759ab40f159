"""Loading knowledge sources: Markdown/MDX cleaning, HTML, text, PDF, failures and curated FAQs."""

from __future__ import annotations

import json
import re
import textwrap
import time
from pathlib import Path

import pytest

from frontdesk.knowledge.documents import Document, LoadFailure
from frontdesk.knowledge.loaders import load_directory, load_faq, load_file

FENCED_CODE = re.compile(r"^\s*(```|~~~).*?^\s*\1\s*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
TAG = re.compile(r"</?[A-Za-z][^>]*>")


def prose(text: str) -> str:
    """The text outside fenced and inline code, where no markup may remain."""
    return INLINE_CODE.sub("CODE", FENCED_CODE.sub("CODE", text))


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return path


def load_one(path: Path) -> Document:
    result = load_file(path)
    assert isinstance(result, Document), result
    return result


def failure_of(path: Path) -> LoadFailure:
    result = load_file(path)
    assert isinstance(result, LoadFailure), result
    return result


def minimal_pdf(*page_texts: str) -> bytes:
    """A valid PDF with one Helvetica text line per page ("" gives a page without text)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(page_texts)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(page_texts)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, page_text in enumerate(page_texts):
        stream = f"BT /F1 12 Tf 72 720 Td ({page_text}) Tj ET".encode() if page_text else b""
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


# --- Markdown and MDX -------------------------------------------------------------------------------------------


def test_strips_front_matter_and_keeps_title(tmp_path: Path) -> None:
    doc = load_one(
        write(
            tmp_path / "refunds.md",
            """
        ---
        title: Refunds and cancellations
        description: "How refunds work."
        sidebar_position: 3
        tags: [billing, refunds]
        ---

        Refunds take five working days.
        """,
        )
    )
    assert doc.title == "Refunds and cancellations"
    assert doc.text == "Refunds take five working days."
    assert doc.metadata == {"description": "How refunds work.", "sidebar_position": "3"}
    assert doc.url is None


def test_takes_url_from_front_matter_only_when_absolute(tmp_path: Path) -> None:
    with_url = load_one(write(tmp_path / "a.md", "---\nslug: https://help.example.com/a\n---\nText.\n"))
    relative = load_one(write(tmp_path / "b.md", "---\nslug: /b\n---\nText.\n"))
    explicit = load_one(write(tmp_path / "c.md", "---\nurl: https://help.example.com/c\nslug: /c\n---\nText.\n"))
    assert with_url.url == "https://help.example.com/a"
    assert relative.url is None and relative.metadata["slug"] == "/b"
    assert explicit.url == "https://help.example.com/c"


def test_falls_back_to_first_heading_then_file_name_for_title(tmp_path: Path) -> None:
    assert load_one(write(tmp_path / "x.md", "Intro.\n\n# Getting started\n\nText.\n")).title == "Getting started"
    assert load_one(write(tmp_path / "reset-your_password.md", "## Only a subheading\n")).title == "Reset your password"
    assert load_one(write(tmp_path / "notes.txt", "# not markdown here\n")).title == "Notes"


def test_invalid_front_matter_is_a_load_failure(tmp_path: Path) -> None:
    failure = failure_of(write(tmp_path / "broken.md", "---\ntitle: [unclosed\n---\nText.\n"))
    assert failure.path == "broken.md"
    assert "invalid YAML front matter" in failure.reason


def test_drops_mdx_imports_exports_and_jsx_but_keeps_inner_text(tmp_path: Path) -> None:
    doc = load_one(
        write(
            tmp_path / "install.mdx",
            """
        import Tabs from '@theme/Tabs';
        import TabItem from '@theme/TabItem';
        import {
          CtaBox,
        } from '@site/src/components';
        export const toc = [
          {value: 'x'},
        ];

        <CtaBox
          headline="Start a free trial"
          link={useBaseUrl('/register')}
        />

        <Tabs groupId="os">
          <TabItem value="mac" label="macOS">
        Install with Homebrew.
          </TabItem>
          <TabItem value="win" label="Windows">
        Use the installer.
          </TabItem>
        </Tabs>

        <details>
        <summary>Why is my dashboard empty?</summary>

        Check your **ad blocker** first.
        </details>

        <CodeBlock language="json">{getExampleCode("query")}</CodeBlock>

        Import your data from the old tool.
        """,
        )
    )
    text = doc.text
    assert "Install with Homebrew." in text and "Use the installer." in text
    assert "Why is my dashboard empty?" in text and "Check your ad blocker first." in text
    assert "Import your data from the old tool." in text  # prose starting with "Import" is not an import
    assert not re.search(r"^\s*(import|export)\s", text, re.MULTILINE)
    for leftover in ("CtaBox", "TabItem", "useBaseUrl", "getExampleCode", "{", "toc"):
        assert leftover not in text


def test_removes_script_style_and_comments_entirely(tmp_path: Path) -> None:
    doc = load_one(
        write(
            tmp_path / "page.md",
            """
        <head>
          <script type="application/ld+json">{`{"@type": "FAQPage"}`}</script>
        </head>

        Before <script>alert("x")</script>after.

        <style>.x { color: red }</style>
        <!-- an editor's note
        over two lines -->
        {/* an MDX comment */}
        Visible text.
        """,
        )
    )
    assert "<script" not in doc.text and "alert" not in doc.text and "FAQPage" not in doc.text
    assert "color" not in doc.text and "editor's note" not in doc.text and "MDX comment" not in doc.text
    assert "Before after." in doc.text and "Visible text." in doc.text


def test_turns_inline_and_block_html_into_plain_markdown(tmp_path: Path) -> None:
    doc = load_one(
        write(
            tmp_path / "page.md",
            """
        <div class="browser">
        <img alt="Screenshot" src={useBaseUrl('img/a.png')} />
        </div>

        Go to <a href="https://example.com/settings">your settings</a> and <b>save</b>.<br/>Done.

        <h3>

        1. Verify the `id` attribute

        </h3>

        <table>
          <tr><th>Plan</th><th>Price</th></tr>
          <tr><td><b>Starter</b></td><td>€9 &amp; up</td></tr>
        </table>

        Use <code>&lt;script defer&gt;</code> in the page head.<hr / >
        """,
        )
    )
    text = doc.text
    assert "Go to your settings and save.\nDone." in text
    assert "### 1. Verify the `id` attribute" in text
    assert "| Plan | Price |\n| --- | --- |\n| Starter | €9 & up |" in text
    assert "Use `<script defer>` in the page head." in text
    assert "Screenshot" not in text and "img/a.png" not in text
    assert not TAG.search(prose(text))


def test_unclosed_script_tag_drops_only_itself(tmp_path: Path) -> None:
    source = 'Intro.\n\n<script src="https://cdn.example.com/x.js">\n\nThe rest stays.\n'
    assert load_one(write(tmp_path / "page.md", source)).text == "Intro.\n\nThe rest stays."


def test_html_pre_block_in_markdown_becomes_fenced_code(tmp_path: Path) -> None:
    doc = load_one(write(tmp_path / "page.md", "<pre>\nlocation /js/ {\n  proxy_pass https://x;\n}\n</pre>\n"))
    assert doc.text == "```\nlocation /js/ {\n  proxy_pass https://x;\n}\n```"


@pytest.mark.parametrize("unit", ["<A x={ ", '<a x="', "**a ", "~~a ", "[a ", "`a ", "<b and ", "_a "])
def test_pathological_markup_is_cleaned_in_about_linear_time(tmp_path: Path, unit: str) -> None:
    path = write(tmp_path / "evil.md", unit * (300_000 // len(unit)))
    started = time.perf_counter()
    load_one(path)
    assert time.perf_counter() - started < 10  # about 0.5 s; quadratic behaviour would take minutes


def test_converts_admonitions_to_plain_paragraphs(tmp_path: Path) -> None:
    doc = load_one(
        write(
            tmp_path / "page.md",
            """
        :::tip Using WordPress?
        Our plugin does this for you.
        :::

        :::note
        Custom events count towards your **billable** pageviews.
        :::

        - A list item

          :::warning[Careful]
          Indented admonitions keep their indentation.
          :::
        """,
        )
    )
    assert ":::" not in doc.text
    assert "Tip: Using WordPress?\nOur plugin does this for you." in doc.text
    assert "Note:\nCustom events count towards your billable pageviews." in doc.text
    assert "  Warning: Careful\n  Indented admonitions keep their indentation." in doc.text


def test_reduces_links_images_and_emphasis_to_text(tmp_path: Path) -> None:
    doc = load_one(
        write(
            tmp_path / "page.md",
            """
        See [the billing page](billing.md#invoices "Billing") or <https://example.com/help>.
        ![Dashboard screenshot](img/dashboard.png) [![badge](b.svg)](https://ci.example.com)
        This is **important**, __really__, *quite* and _very_ ~~old~~ new; keep snake_case_names and 2 * 3 * 4.
        Escaped \\*stars\\* stay. The `**not bold**` code stays.

        ## Invoices {#invoices}
        """,
        )
    )
    text = doc.text
    assert "See the billing page or https://example.com/help." in text
    assert "Dashboard" not in text and "badge" not in text and "](" not in text
    assert "This is important, really, quite and very old new; keep snake_case_names and 2 * 3 * 4." in text
    assert "Escaped *stars* stay. The `**not bold**` code stays." in text
    assert "## Invoices" in text and "{#" not in text


def test_keeps_headings_lists_tables_and_fenced_code_verbatim(tmp_path: Path) -> None:
    source = textwrap.dedent("""
        # Install

        1. Copy the snippet
        2. Paste it into `<head>`

        | Option | Meaning |
        | --- | --- |
        | `data-domain` | your site |

        ```html
        <script defer data-domain="example.com" src="https://plausible.io/js/script.js"></script>
        <!-- keep me: this is the snippet -->
        ```
        """).lstrip()
    doc = load_one(write(tmp_path / "install.md", source))
    assert doc.text == source.strip()


def test_collapses_runs_of_blank_lines(tmp_path: Path) -> None:
    doc = load_one(write(tmp_path / "gaps.md", "One.\n\n\n\n\nTwo.\n<div>\n\n</div>\n\n\nThree.\n"))
    assert doc.text == "One.\n\nTwo.\n\nThree."


def test_entity_encoded_tags_in_prose_end_up_as_code_not_markup(tmp_path: Path) -> None:
    doc = load_one(write(tmp_path / "page.md", "Put &lt;script&gt; in the page and avoid \\<iframe> tags.\n"))
    assert doc.text == "Put `<script>` in the page and avoid `<iframe>` tags."


def test_drops_docusaurus_highlight_directives_from_code(tmp_path: Path) -> None:
    doc = load_one(write(tmp_path / "page.md", "```js\n// highlight-next-line\nplausible('Signup')\n```\n"))
    assert doc.text == "```js\nplausible('Signup')\n```"


# --- Other formats ----------------------------------------------------------------------------------------------


def test_loads_html_file_without_page_chrome(tmp_path: Path) -> None:
    doc = load_one(
        write(
            tmp_path / "refunds.html",
            """
        <!doctype html>
        <html><head><title>Refunds | Acme Help</title>
        <link rel="canonical" href="https://help.acme.test/refunds">
        <style>body { color: red }</style><script>track()</script></head>
        <body><header>Acme</header><nav><a href="/">Home</a></nav>
        <main>
          <h1>Refunds</h1>
          <p>We refund within <b>14 days</b>. See <a href="/terms">our terms</a>.</p>
          <ul><li>Card</li><li>PayPal<ul><li>Personal</li></ul></li></ul>
          <table><tr><th>Plan</th><th>Refund</th></tr><tr><td>Monthly</td><td>Pro-rated</td></tr></table>
          <pre><code class="language-bash">curl https://api.acme.test
          --data a=1</code></pre>
          <noscript>Enable JavaScript</noscript>
        </main>
        <footer>© Acme</footer></body></html>
        """,
        )
    )
    assert doc.title == "Refunds | Acme Help"
    assert doc.url == "https://help.acme.test/refunds"
    assert (
        doc.text
        == textwrap.dedent("""
        # Refunds

        We refund within 14 days. See our terms.

        - Card
        - PayPal
          - Personal

        | Plan | Refund |
        | --- | --- |
        | Monthly | Pro-rated |

        ```bash
        curl https://api.acme.test
          --data a=1
        ```""").strip()
    )


def test_html_title_falls_back_to_first_h1(tmp_path: Path) -> None:
    assert (
        load_one(write(tmp_path / "p.htm", "<body><h1>Contact <em>us</em></h1><p>Mail us.</p></body>")).title
        == "Contact us"
    )


def test_loads_plain_text_as_is_with_normalised_newlines(tmp_path: Path) -> None:
    doc = load_one(write(tmp_path / "opening-hours.txt", b"\xef\xbb\xbfMon-Fri 9-17\r\nSat closed\r\n"))
    assert doc.title == "Opening hours"
    assert doc.text == "Mon-Fri 9-17\nSat closed\n"


def test_extracts_pdf_text_page_by_page(tmp_path: Path) -> None:
    doc = load_one(write(tmp_path / "terms.pdf", minimal_pdf("Refunds take five days.", "Contact support first.")))
    assert doc.title == "Terms"
    assert re.fullmatch(r"Refunds take five days\.\n\nContact support first\.", doc.text)


def test_pdf_without_text_is_reported_as_probably_scanned(tmp_path: Path) -> None:
    failure = failure_of(write(tmp_path / "scan.pdf", minimal_pdf("", "")))
    assert failure.reason == "no extractable text (scanned PDF?)"


def test_corrupt_pdf_is_a_load_failure(tmp_path: Path) -> None:
    assert failure_of(write(tmp_path / "broken.pdf", b"%PDF-1.4\nthis is not a pdf")).reason


def test_invalid_utf8_is_a_load_failure(tmp_path: Path) -> None:
    assert failure_of(write(tmp_path / "latin1.md", "Café crème".encode("latin-1"))).reason == "not valid UTF-8 text"


def test_binary_content_with_text_extension_is_a_load_failure(tmp_path: Path) -> None:
    assert failure_of(write(tmp_path / "image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")).reason == "binary content"


def test_files_over_20_mb_are_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)  # sparse: costs no disk
    assert failure_of(path).reason == "file too large (21.0 MB > 20 MB)"


# --- Directories ------------------------------------------------------------------------------------------------


def test_loads_directory_recursively_sorted_and_skips_hidden_and_unsupported(tmp_path: Path) -> None:
    write(tmp_path / "b.md", "# B\n")
    write(tmp_path / "a.txt", "A\n")
    write(tmp_path / "guides" / "proxy" / "nginx.MD", "# Nginx\n")
    write(tmp_path / "guides" / "setup.html", "<h1>Setup</h1>")
    write(tmp_path / "guides" / "logo.png", b"\x89PNG")
    write(tmp_path / ".drafts" / "secret.md", "# Draft\n")
    write(tmp_path / ".hidden.md", "# Hidden\n")
    write(tmp_path / "bad.md", b"\xff\xfe\xfd")
    results = list(load_directory(tmp_path))
    assert [r.source_id if isinstance(r, Document) else r.path for r in results] == [
        "a.txt",
        "b.md",
        "bad.md",
        "guides/proxy/nginx.MD",
        "guides/setup.html",
    ]
    assert isinstance(results[2], LoadFailure)


def test_one_unparseable_file_does_not_abort_the_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a.md", "# A\n")
    write(tmp_path / "b.html", "<p>B</p>")
    write(tmp_path / "c.md", "# C\n")

    def explode(source: str) -> None:
        raise RuntimeError("parser bug")

    monkeypatch.setattr("frontdesk.knowledge.loaders.parse_html", explode)
    results = list(load_directory(tmp_path))
    assert [type(r).__name__ for r in results] == ["Document", "LoadFailure", "Document"]
    assert results[1] == LoadFailure("b.html", "could not parse: RuntimeError: parser bug")


def test_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        list(load_directory(tmp_path / "nope"))


def test_loads_all_plausible_docs_cleanly(plausible_docs: Path) -> None:
    results = list(load_directory(plausible_docs))
    failures = [r for r in results if isinstance(r, LoadFailure)]
    docs = [r for r in results if isinstance(r, Document)]
    assert failures == []
    assert len(docs) == 132
    assert len({d.source_id for d in docs}) == 132
    for doc in docs:
        text = prose(doc.text)
        assert doc.title and doc.text, doc.source_id
        assert not TAG.search(text), (doc.source_id, TAG.search(text))
        assert not re.search(r"^\s*(import|export)\s", text, re.MULTILINE), doc.source_id
        assert ":::" not in text and "](" not in text and "**" not in text and "{#" not in text, doc.source_id
        assert "\n\n\n" not in text, doc.source_id
    billing = next(d for d in docs if d.source_id == "billing.md")
    assert billing.title == "Billing FAQ"
    assert "## How do I get an invoice?" in billing.text
    assert any(d.source_id.startswith("proxy/guides/") for d in docs)


# --- Curated FAQ ------------------------------------------------------------------------------------------------


def test_loads_faq_from_yaml_list(tmp_path: Path) -> None:
    path = write(
        tmp_path / "faq.yaml",
        """
        - id: refund-window
          question: How long do refunds take?
          answer: |
            Five working days.
            Card refunds can take longer.
          alternatives:
            - When will I get my money back?
            - Refund time
          url: https://help.example.com/refunds
          category: billing
        - question: Do you offer a free trial?
          answer: Yes, 30 days.
          title: Free trial
        """,
    )
    first, second = list(load_faq(path))
    assert first == Document(
        source_id="refund-window",
        title="How long do refunds take?",
        text="How long do refunds take?\n\nFive working days.\nCard refunds can take longer.",
        kind="faq",
        url="https://help.example.com/refunds",
        question="How long do refunds take?",
        answer="Five working days.\nCard refunds can take longer.",
        alternatives=("When will I get my money back?", "Refund time"),
        metadata={"category": "billing"},
    )
    assert isinstance(second, Document)
    assert second.source_id == "faq-do-you-offer-a-free-trial"
    assert second.title == "Free trial"


def test_loads_faq_from_yaml_mapping_with_faqs_key(tmp_path: Path) -> None:
    path = write(tmp_path / "faq.yml", "faqs:\n  - {id: 1, question: 'Q1?', answer: A1.}\n")
    assert [d.source_id for d in load_faq(path) if isinstance(d, Document)] == ["1"]


def test_bad_faq_entries_fail_alone_with_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "faq.yaml",
        """
        entries:
          - id: a
            question: First?
            answer: Yes.
          - id: b
            question: Missing answer?
          - id: a
            question: Duplicate id?
            answer: Yes.
          - just a string
          - id: e
            question: Last?
            answer: Still loads.
        """,
    )
    results = list(load_faq(path))
    assert [r.source_id for r in results if isinstance(r, Document)] == ["a", "e"]
    assert [r for r in results if isinstance(r, LoadFailure)] == [
        LoadFailure(str(path), "entry 2 (line 5): missing 'answer'"),
        LoadFailure(str(path), "entry 3 (line 7): duplicate id 'a' (first used by entry 1 (line 2))"),
        LoadFailure(str(path), "entry 4 (line 10): expected a mapping, got str"),
    ]


def test_loads_faq_from_json_lines_and_reports_bad_lines(tmp_path: Path) -> None:
    rows = [{"id": "x", "question": "Q?", "answer": "A.", "alternatives": ["Q again?"]}, {"question": "No answer?"}]
    path = write(tmp_path / "faq.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n{not json\n")
    results = list(load_faq(path))
    assert isinstance(results[0], Document) and results[0].alternatives == ("Q again?",)
    assert results[1] == LoadFailure(str(path), "entry 2 (line 2): missing 'answer'")
    assert isinstance(results[2], LoadFailure) and results[2].reason.startswith("entry 3 (line 4): invalid JSON")


def test_loads_faq_from_csv_with_pipe_separated_alternatives(tmp_path: Path) -> None:
    path = write(
        tmp_path / "faq.csv",
        (
            "Question,Answer,Alternatives,URL\n"
            '"Can I pay by invoice?","Yes, yearly plans only.",Invoice payment?|Pay by bank transfer?,\n'
            "Missing answer?,,,\n"
        ),
    )
    doc, failure = list(load_faq(path))
    assert isinstance(doc, Document)
    assert doc.source_id == "faq-can-i-pay-by-invoice"
    assert doc.answer == "Yes, yearly plans only."
    assert doc.alternatives == ("Invoice payment?", "Pay by bank transfer?")
    assert doc.url is None
    assert failure == LoadFailure(str(path), "entry 2 (line 3): missing 'answer'")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("faq.yaml", "- question: [unclosed\n", "invalid YAML (line 2): expected ',' or ']', but got '<stream end>'"),
        (
            "faq.yaml",
            "question: Q?\nanswer: A.\n",
            "expected a list of entries, or a mapping with a 'faqs' or 'entries' list",
        ),
        ("faq.json", '[{"question": ', "invalid JSON (line 1): Expecting value"),
        ("faq.csv", "q,a\nQ?,A.\n", "CSV header must name 'question' and 'answer' columns"),
        (
            "faq.txt",
            "Q?\n",
            "unsupported FAQ format '.txt' (expected one of .csv, .json, .jsonl, .ndjson, .yaml, .yml)",
        ),
    ],
)
def test_unparseable_faq_file_is_one_failure(tmp_path: Path, name: str, content: str, reason: str) -> None:
    path = write(tmp_path / name, content)
    assert list(load_faq(path)) == [LoadFailure(str(path), reason)]


def test_derived_faq_ids_are_stable_slugs(tmp_path: Path) -> None:
    long_question = "What happens to my data " + "and my settings " * 10 + "?"
    path = write(
        tmp_path / "faq.jsonl",
        "\n".join(
            json.dumps(r)
            for r in [
                {"question": "Wie kündige ich mein Abo?", "answer": "In den Einstellungen."},
                {"question": long_question, "answer": "Kept."},
            ]
        ),
    )
    ids = [d.source_id for d in load_faq(path) if isinstance(d, Document)]
    assert ids[0] == "faq-wie-kündige-ich-mein-abo"
    assert len(ids[1]) <= len("faq-") + 60 and not ids[1].endswith("-")
