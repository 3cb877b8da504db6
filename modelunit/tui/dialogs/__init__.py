"""Dashboard dialogs."""
