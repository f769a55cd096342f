"""Newsroom RAG: cited, disagreement-aware answers over a journalist's documents, offline."""
