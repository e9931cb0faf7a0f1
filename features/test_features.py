"""Binds every .feature file under features/ to pytest (steps: features/steps/, see STEPS.md)."""
from pytest_bdd import scenarios

scenarios(".")
