"""Exports: Items → files. One module per format; each writes atomically via quizgen.output."""
