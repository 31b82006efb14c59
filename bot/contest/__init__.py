"""The online CCHC contest's domain logic: windows, registrations, attempts and their
timing, standings, export and the load benchmark. The conversation lives in
`bot/conversation/handlers/contest/`; this package knows nothing about chat."""
