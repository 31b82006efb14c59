"""Conversation features, one module each; `bot.core.features` registers them."""
