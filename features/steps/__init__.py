"""cogov's Gherkin step library: plain-language steps over the whole recommendation.

Documented for authors in features/STEPS.md. The modules are imported by
features/conftest.py, which makes every step visible to every feature file.
"""
