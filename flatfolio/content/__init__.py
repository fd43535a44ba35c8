"""Content: reading files, front matter, the Post/Page model, the Site snapshot and its per-app state."""
