"""The language server (pygls 2): the analyzer's findings, live in any editor.

Only this package imports pygls and lsprotocol; the domain layers know nothing of editors.
"""
