"""The Zalo Official Account API v3, spoken with aiohttp (no third-party Zalo SDK):
webhook events, the token pair, rendering, sending, and the article broadcast fallback.
The channel adapter that ties them together is `bot/zalo/channel.py`."""
