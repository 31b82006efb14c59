"""Answering free-text questions: the search index, its evaluation, benchmark and content gaps."""
