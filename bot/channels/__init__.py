"""Channel adapters: each turns platform traffic into `Incoming` and renders `Reply`s."""
