"""The built-in ``email`` integration: IMAP (verified TLS) or a local Maildir, platform ``inbox``.

The plugin declaration is in :mod:`integrations.email.plugin`; this package is also a Django app
(``steward_email``) so that ``setup_demo`` is a management command.
"""
