"""The Textual dashboard.  Every action goes through :mod:`modelunit.domain`; no screen reads TinyDB."""
