"""modelunit — runs a district's 依法行政示范单位创建 campaign.

The package is split by role: ``domain`` holds every rule (criteria, workflow,
permissions, tally, audit), ``storage`` the TinyDB file and evidence store,
``cli`` the command line and ``tui`` the Textual dashboard.  Only ``tui``
imports Textual.
"""

__version__ = "0.1.0"
