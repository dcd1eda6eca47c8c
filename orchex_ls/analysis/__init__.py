"""The analyzer: chaos metrics for Python code, computed from one stdlib ``ast`` parse per file."""
