"""Load benchmarks that drive the whole bot (the conversation, delivery workers, fakes): tools of
the command line, above every other layer."""
