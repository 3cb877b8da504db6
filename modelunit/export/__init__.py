"""Exports: the Excel workbook and printable score sheets (no Textual here)."""
