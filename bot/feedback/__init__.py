"""Feedback and petitions (phản ánh, kiến nghị): tickets with tracking codes, the staff
desk they are posted to, and the answers relayed back to the citizen's channel.

The conversation lives in `bot/conversation/handlers/feedback*.py`; this package is the domain."""
