"""One benchmark per module; each exposes ``run(ctx) -> dict`` of figures (see harness.sides)."""
