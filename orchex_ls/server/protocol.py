"""Protocol fixes on top of pygls: every request gets an answer with its id.

pygls 2.1 turns a request whose params do not deserialize into a `window/showMessage` and
never answers it, so the client waits forever. Here such a request gets the JSON-RPC
``-32602`` error it is owed, a bad notification is logged, and an unknown command's error
names the commands that exist.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol, lsp_method

logger = logging.getLogger(__name__)


@dataclass
class _Undecodable:
    """A message whose params failed to deserialize."""

    jsonrpc: str
    id: Any
    method: str
    error: JsonRpcException


class OrchexProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "method" in data:
                return _Undecodable(data.get("jsonrpc", ""), data.get("id"), str(data["method"]), exc)
            raise

    def handle_message(self, message):
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

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(self, params: types.ExecuteCommandParams):
        handler = self.fm.commands.get(params.command)
        if handler is None:
            known = ", ".join(sorted(self.fm.commands))
            raise JsonRpcInvalidParams(f"unknown command {params.command!r}; known commands: {known}")
        # Our commands take the raw JSON arguments and validate them themselves.
        result = yield handler, (list(params.arguments or []),), None
        return result
