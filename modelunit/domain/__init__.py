"""The domain: every rule of a campaign, with no Textual and no file format in sight."""
