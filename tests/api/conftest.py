from tests.pipeline.driving import _fresh_classifier, steward  # noqa: F401
