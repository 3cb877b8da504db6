"""The command line (DESIGN §6): argument parsing, sign-in and printing; rules live in the domain."""
