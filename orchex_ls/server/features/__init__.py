"""One module per editor feature; each exposes ``register(server)``."""
