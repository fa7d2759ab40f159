"""Customer words are searched with the help center's words too."""

from __future__ import annotations

from frontdesk.knowledge.synonyms import BUILTIN, expand, spelled_out


def test_chat_shorthand_is_spelled_out_before_searching() -> None:
    assert spelled_out("r u guys open on weekends") == "are you guys open on weekends"
    assert spelled_out("do u take Amex") == "do you take american express"
    assert spelled_out("does it export to R or U-SQL") == "does it export to R or U-SQL"
    assert spelled_out("rota for our pub") == "rota for our pub"  # whole words only


def test_a_customer_phrase_brings_the_help_center_term() -> None:
    assert expand("can i get my money back", BUILTIN) == "can i get my money back (refund)"
    assert expand("how do i get a refund", BUILTIN) == "how do i get a refund"
