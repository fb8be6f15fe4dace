"""Free-text questions, suggestion picks, "none of these" and feedback (handlers); "Ask a
coordinator" under an "I don't know" (handoff)."""
