"""Real servers the suite certifies against (process runtime here; docker in servers/docker.py later)."""
