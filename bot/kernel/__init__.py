"""The kernel: shared types and ports every layer may use — messages and buttons, the
`Sender` port and its errors, platform limits, Vietnamese text folding, time helpers.
It imports nothing else of the bot."""
