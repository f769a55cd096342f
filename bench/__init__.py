"""Benchmarks run by ``python -m bench``: numbers on data nobody on the team wrote.

Each section is a module with ``run(args) -> str`` that prints a markdown table and returns it;
``bench/__main__.py`` lists the sections and writes everything to ``bench/results/latest.md``.
"""
