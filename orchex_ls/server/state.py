"""What the server knows: settings per workspace folder, the latest analysis of each open
document, and the workspace index (one analyzer Report per folder)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pygls.uris import to_fs_path

from ..analysis.cache import content_hash
from ..analysis.file_analysis import FileAnalysis
from ..analysis.models import Finding, Report
from ..config import OrchexConfig
from .settings import ServerSettings


@dataclass
class DocumentState:
    """The analysis of one version of an open document."""

    version: int | None
    lines: list[str]
    analysis: FileAnalysis | None = None
    note: str | None = None  # why the document was not analysed, shown as one diagnostic
    text_hash: str = ""
    config: OrchexConfig | None = None  # the settings it was analysed with


@dataclass
class FolderState:
    path: Path
    config: OrchexConfig = field(default_factory=OrchexConfig)
    server: ServerSettings = field(default_factory=ServerSettings)
    config_file: Path | None = None
    report: Report | None = None
    hashes: dict[str, str] = field(default_factory=dict)  # rel path -> content hash at index time
    published: set[str] = field(default_factory=set)  # uris with pushed workspace diagnostics

    def project_findings(self, rel: str) -> list[Finding]:
        """Findings only the whole project can see (clones, coupling, hotspots) for ``rel``."""
        if self.report is None:
            return []
        for file in self.report.files:
            if file.path == rel:
                return [f for f in file.findings if f.code in _PROJECT_CODES]
        return []


_PROJECT_CODES = {"OCX107", "OCX108", "OCX109", "OCX110"}


def text_hash(text: str) -> str:
    """The analyzer's content hash of the text as UTF-8: equal to the index's hash of the
    file on disk while the buffer holds what was saved."""
    return content_hash(text.encode("utf-8", "surrogatepass"))


def fs_path(uri: str) -> Path | None:
    """The file system path of a ``file:`` URI; None for untitled and other schemes."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path) if path else None


@dataclass
class ServerState:
    editor_settings: dict[str, Any] = field(default_factory=dict)
    folder_settings: dict[Path, dict[str, Any]] = field(default_factory=dict)  # per-folder scope
    folders: dict[Path, FolderState] = field(default_factory=dict)
    documents: dict[str, DocumentState] = field(default_factory=dict)
    default: FolderState = field(default_factory=lambda: FolderState(Path.cwd()))

    def folder_of(self, uri: str) -> tuple[FolderState, str]:
        """The workspace folder holding ``uri`` (innermost) and the path relative to it.
        Files outside every folder and non-file URIs use the default settings."""
        resolved = fs_path(uri)
        if resolved is None:
            return self.default, uri.rsplit("/", 1)[-1] or "untitled.py"
        best: FolderState | None = None
        for folder in self.folders.values():
            if resolved.is_relative_to(folder.path) and (best is None or len(folder.path.parts) > len(best.path.parts)):
                best = folder
        if best is None:
            return self.default, resolved.name
        return best, resolved.relative_to(best.path).as_posix()
