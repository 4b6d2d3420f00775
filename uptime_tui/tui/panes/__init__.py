"""The dashboard's panes, one module each (see pane.py)."""
