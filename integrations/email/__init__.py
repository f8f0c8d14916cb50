"""The built-in ``email`` integration: IMAP (verified TLS) or a local Maildir, platform ``inbox``.

The plugin declaration is in :mod:`integrations.email.plugin`; this package is also a Django app
(``steward_email``) so that its doctor checks register and ``setup_demo`` is a management command.
"""
