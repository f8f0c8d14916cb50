"""The rules tests use the Hypothesis ``ci`` profile registered in tests/conftest.py."""
