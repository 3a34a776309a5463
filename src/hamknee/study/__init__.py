"""Study mode: flashcards generated from the knowledge base, spaced repetition, progress and export.

Nothing here is imported by a lookup: the study commands import these modules when they run.
"""
