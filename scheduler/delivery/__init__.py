"""Delivery workers: claim outbox rows in batches, send each through its channel's sender
on the broadcast lane, record every result.

  worker.py     the worker and its loop: a batch claimed, screened, sent, recorded
  lease.py      registration, heartbeat, the rate budget shared between live workers, and
                recovering the rows of a worker that stopped
  claiming.py   claiming a batch (and the next one ahead), screening it, releasing claims
  sending.py    one row: the "sending" mark, the platform call, its result classified,
                the reply-window fallback
  recording.py  results written in batches, with their engagement events
  state.py      what the parts share: a claimed row, its outcome, the worker's state

Exactly once, and what it costs. A row moves
    pending → claimed → sending → sent | failed | unreachable | pending (retry)
  * claimed: in this worker's batch, nothing sent. If the worker dies, the row goes back to
    pending (another worker may send it: nobody has).
  * sending: committed to the database before the platform call (the sender's
    `before_send` hook), when the message is next in line at the rate limiter: its slot
    comes after the commit, so a slow commit does not bunch sends. If the worker dies
    now, nobody knows whether the platform took the message, so the row becomes
    `uncertain` and is NEVER sent again automatically: at most once for the rows in flight
    at the moment of a crash (at most `delivery_concurrency` rows: those in flight and the
    two waiting for their slot), exactly once for all others. An operator who prefers
    at-least-once for those few can resend them (`cchc-bot campaign resend-uncertain`).
  * every update after the claim is fenced by `worker = me` and the expected status, so a
    worker presumed dead (its rows handed on) cannot send or record them afterwards.
Retries happen only with evidence that nothing was delivered: a 429, a connection that
never opened, an HTTP 5xx answer. Several "sending" marks that fall in the same instant
share one commit, and that commit also writes the results that came back since the last
one: a slot's next send starts only once its previous result is durable, so a crash leaves
at most one row per slot "sending" (hence uncertain, never resent).

Reply windows (Zalo). A platform that lets the bot write only within a while after the
person's last interaction raises OutsideReplyWindow; its sender's `fallback` then decides,
once per broadcast, whether the campaign reaches those people another way (Zalo: one OA
article broadcast): the row ends `article` or `no_window` ("not reachable on Zalo"), both
final. People the sender already knows to be outside the window (`outside_window`, one
query per batch) are sent nothing and go to the fallback directly."""
