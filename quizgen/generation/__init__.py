"""Generation: facts → questions (Items), through Jinja templates, with checked distractors."""
