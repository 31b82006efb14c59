"""Channel-neutral conversation logic: an `Incoming` in, a list of `Reply` out.

Nothing in this package imports a channel library."""
