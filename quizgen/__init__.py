"""quizgen: curated, sourced facts in YAML → checked quiz questions, Anki decks and printable
quizzes."""

__version__ = "0.1.0"
