"""The refactoring engine: behaviour-preserving libcst transformations, each edit verified."""
