"""Conversation features, one module each; `bot.conversation.features` registers them."""
