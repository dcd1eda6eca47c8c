"""The ``orchex`` command line."""
