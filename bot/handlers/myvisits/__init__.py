"""/myvisits: a person's registrations, changing one field (change), withdrawing, and
waiting-list offers (offers: also sent by the job queue when a place frees up)."""
