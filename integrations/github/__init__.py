"""The built-in ``github`` integration: platforms ``pull_requests`` and ``issues``, service
``create_issue`` (docs/GITHUB.md). The declaration is in :mod:`integrations.github.plugin`."""
