"""/visits and the visit buttons (handlers, views), creating or changing a visit (edit, steps,
changes)."""
