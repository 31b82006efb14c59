"""Campaign scheduling and the broadcast delivery engine.

  campaigns.py  the campaign lifecycle (draft → scheduled → sending → done / paused / cancelled)
  audience.py   who a campaign reaches, as SQL
  message.py    the broadcast message exactly as recipients see it
  firing.py     a campaign fires: a broadcast, its audience expanded into the outbox
  delivery/     workers claim outbox rows, send within limits, record every result: the
                worker's loop, its lease (heartbeat, shared rate budget, recovery), claiming,
                sending one row, recording results
  progress.py   figures and the live progress message for staff
  calendar.py   the content pack's campaign calendar (content/campaigns/) into campaigns
  service.py    APScheduler (job store in the database) and the processes that run it all
  senders.py    the channels a worker process can push to
  cli_ops.py    the `cchc-bot campaign …` actions
"""
