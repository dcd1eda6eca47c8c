"""Protocol fixes on top of pygls: every request gets an answer with its id.

pygls 2.1 turns a request whose params do not deserialize into a `window/showMessage` and
never answers it, so the client waits forever. Here such a request gets the JSON-RPC
``-32602`` error it is owed, a bad notification is logged, a body that is not JSON gets
``-32700`` and one that is not a JSON-RPC message ``-32600`` (pygls only logs both), and an
unknown command's error names the commands that exist.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
)
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.workspace import TextDocument, Workspace

logger = logging.getLogger(__name__)


@dataclass
class _Undecodable:
    """A message whose params failed to deserialize."""

    jsonrpc: str
    id: Any
    method: str
    error: JsonRpcException


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class _Document(TextDocument):
    @property
    def lines(self):
        # Only \n, \r\n and \r end a line in LSP. pygls uses str.splitlines, which also breaks
        # at form feeds (common in Python sources), \x1c-\x1e, \x85 and \u2028, and so
        # applies an incremental edit below such a character to the wrong line.
        return tuple(_LINE.findall(self.source))


class _Workspace(Workspace):
    def _create_text_document(self, doc_uri, source=None, version=None, language_id=None):
        return _Document(doc_uri, source=source, version=version, language_id=language_id,
                         sync_kind=self._sync_kind, position_codec=self._position_codec)


class OrchexProtocol(LanguageServerProtocol):
    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        result = yield from super().lsp_initialize(params)
        self._workspace.__class__ = _Workspace  # before any document is opened
        return result

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "method" in data:
                return _Undecodable(data.get("jsonrpc", ""), data.get("id"), str(data["method"]), exc)
            raise

    def handle_message(self, message):
        if getattr(message, "jsonrpc", None) != "2.0" and not isinstance(message, _Undecodable):
            # Not a message at all: a bare dict (no "jsonrpc"), a batch, a number...
            msg_id = message.get("id") if isinstance(message, dict) else getattr(message, "id", None)
            self.answer_error(msg_id, JsonRpcInvalidRequest("not a JSON-RPC 2.0 message"))
            return None
        if not isinstance(message, _Undecodable):
            return super().handle_message(message)
        detail = f"invalid params for {message.method!r}"
        if message.id is not None:
            error = JsonRpcInvalidParams(detail)
            self._send_response(message.id, error=error.to_response_error())
        else:
            logger.warning("%s (notification ignored)", detail)
            self.notify(
                types.WINDOW_LOG_MESSAGE,
                types.LogMessageParams(type=types.MessageType.Warning, message=f"orchex: {detail}"),
            )
        return None

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args):
        # Leave now. pygls' sys.exit makes the interpreter join the executor threads first,
        # so an index still running would keep the process alive for as long as it takes.
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0 if self._shutdown else 1)
        yield  # a generator, like every pygls built-in (never reached)

    def answer_error(self, msg_id: Any, error: JsonRpcException) -> None:
        """An error response; a plain dict so that a null id is written, not left out."""
        if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
            msg_id = None
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": error.code, "message": error.message}})

    def parse_error(self, error: ValueError) -> None:
        self.answer_error(None, JsonRpcParseError(f"invalid JSON: {error}"))

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(self, params: types.ExecuteCommandParams):
        handler = self.fm.commands.get(params.command)
        if handler is None:
            known = ", ".join(sorted(self.fm.commands))
            raise JsonRpcInvalidParams(f"unknown command {params.command!r}; known commands: {known}")
        # Our commands take the raw JSON arguments and validate them themselves.
        result = yield handler, (list(params.arguments or []),), None
        return result
