"""The roster command-line client."""
