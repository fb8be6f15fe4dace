"""Free-text questions, suggestion picks, "none of these" and feedback."""
