"""A tiny help center written for the tests, and a bot over it that uses the fast hash embedder."""

from __future__ import annotations

from pathlib import Path

ARTICLES = {
    "billing/refunds.md": """---
title: Refunds
url: https://help.example.com/billing/refunds
---

# Refunds

Annual plans can be refunded in full within 30 days of payment. Monthly plans are not refunded,
but you can cancel at any time.

## How to request a refund

1. Open Settings → Billing.
2. Click **Request refund** next to the invoice.
3. The refund reaches your card within 5 to 10 business days.
""",
    "account/password.md": """---
title: Reset your password
---

# Reset your password

Click "Forgot password" on the sign-in page and enter your email. The reset link is valid for 60 minutes.

If the link doesn't work, it has expired: request a new one.
""",
    "plans/pricing.md": """# Plans and pricing

| Plan | Monthly | Annual |
|---|---|---|
| Starter | $5 per user | $4 per user |
| Pro | $10 per user | $8 per user |

The Pro plan includes the time clock and payroll export. Teams of 10 or more get volume pricing on request.
""",
}

FAQ = """- id: faq-refund-window
  question: How long do I have to ask for a refund?
  alternatives: ["Can I get my money back?"]
  answer: Annual plans can be refunded within 30 days of payment.
"""

BOT_YAML = """name: test-bot
knowledge:
  embedder:
    type: hash
  sources:
    - type: directory
      path: ./knowledge
      url_base: https://help.example.com/
    - type: faq
      path: ./faq.yaml
answer:
  threshold: 0.35
  fallback: "Sorry, I can't answer that. Want me to connect you with a person?"
"""


def write_kb(root: Path, bot_yaml: str = BOT_YAML) -> Path:
    for name, text in ARTICLES.items():
        path = root / "knowledge" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "faq.yaml").write_text(FAQ, encoding="utf-8")
    (root / "bot.yaml").write_text(bot_yaml, encoding="utf-8")
    return root / "bot.yaml"
