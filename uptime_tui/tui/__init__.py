"""The Textual console. Nothing outside this package imports textual."""
