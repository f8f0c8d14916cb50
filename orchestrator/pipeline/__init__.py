"""The pipeline: check → collect → classify → evaluate → act, each stage its own task type."""
