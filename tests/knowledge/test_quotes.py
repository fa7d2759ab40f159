"""A message quoting what the product said finds the passage that has those words."""

from __future__ import annotations

from frontdesk.knowledge.index import Hit, IndexedPassage, Ranking
from frontdesk.knowledge.retrieval import holds_quote, quoted_first, quotes


def _hit(chunk_id: int, text: str, score: float) -> Hit:
    passage = IndexedPassage(chunk_id, "integrations/gusto.md", "Gusto", None, "article", (), text, "h", 1)
    return Hit(passage, score, score, 1.0, 0.5)


SEND = _hit(1, "Send hours to Gusto: approve the timesheets, then click Send to Gusto.", 1.0)
PROBLEMS = _hit(2, '"Pay period not found": the pay period dates do not match Gusto\'s.', 0.9)
OTHER = _hit(3, "Gusto pays your team.", 0.8)


def test_the_passage_with_the_quoted_words_comes_first() -> None:
    ranking = Ranking([SEND, PROBLEMS, OTHER], background=0.1, unknown=0.0)
    ranked = quoted_first(ranking, quotes("gusto keeps saying 'pay period not found' when i send the hours"))
    assert [h.passage.chunk_id for h in ranked.hits] == [2, 1, 3]


def test_without_a_quote_or_a_passage_that_has_it_the_ranking_stays() -> None:
    ranking = Ranking([SEND, PROBLEMS, OTHER], background=0.1, unknown=0.0)
    assert quoted_first(ranking, quotes("gusto won't take my hours")) is ranking
    assert quoted_first(ranking, quotes("it says 'connection refused by host'")) is ranking


def test_short_quotes_and_apostrophes_are_not_quotes() -> None:
    assert quotes("click 'OK' and it's fine") == []
    assert quotes("it says \u201cPay period not found\u201d") == ["pay period not found"]
    assert holds_quote(PROBLEMS, quotes("error: 'Pay Period Not Found'"))


def test_an_error_code_reported_as_an_error_counts_as_quoted_but_a_count_does_not() -> None:
    assert quotes("getting 429 errors from your api") == ["429"]
    assert quotes("the api keeps returning 403 when i create shifts") == ["403"]
    assert quotes("we got 400 new hires this summer") == []
    assert quotes("error 500 on publish") == []  # server errors are not what an article explains


def test_a_passage_with_the_reported_code_is_at_least_fairly_confident() -> None:
    from frontdesk.knowledge.retrieval import VERBATIM_CONFIDENCE, _confidences

    def weak(chunk_id: int, text: str) -> Hit:  # casual wording: little of the message matches the page
        passage = IndexedPassage(chunk_id, "api/errors.md", "Errors", None, "article", (), text, "h", 1)
        return Hit(passage, 0.5, 0.2, 1.0, 0.1)

    other, errors = weak(5, "Create an API key under Settings."), weak(6, "| 422 | A field is not valid. |")
    ranking = Ranking([other, errors], background=0.1, unknown=0.0)
    plain = _confidences(ranking, [])
    coded = _confidences(ranking, quotes("getting error 422 back from the api"))
    assert plain[1] < VERBATIM_CONFIDENCE <= coded[1]
    assert coded[0] == plain[0]  # the page without the code is left as it was
