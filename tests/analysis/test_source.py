"""Bad input: every broken file gets a clear reason and the run goes on."""

from __future__ import annotations

import sys

import pytest

from orchex_ls.analysis.source import ParseError, SourceProblem, decode, parse


def test_decode_honours_bom_and_coding_cookie():
    assert decode("\ufeffx = 'é'\n".encode("utf-8")) == "x = 'é'\n"
    latin = "# -*- coding: latin-1 -*-\nx = 'é'\n".encode("latin-1")
    assert decode(latin).endswith("x = 'é'\n")


def test_invalid_utf8_names_the_byte_and_line():
    with pytest.raises(SourceProblem, match=r"not valid utf-8 text: byte 0xff at line 2"):
        decode(b"x = 1\ny = '\xff'\n")


def test_binary_file_is_recognised():
    with pytest.raises(SourceProblem, match="binary file"):
        decode(b"\x7fELF\x00\x00\x01")


def test_unknown_encoding_cookie():
    with pytest.raises(SourceProblem, match="encoding"):
        decode(b"# coding: klingon\nx = 1\n")


def test_syntax_error_position_is_reported():
    error = parse("x = 1\ndef f(:\n    pass\n", "m.py")
    assert isinstance(error, ParseError)
    assert error.line == 2
    assert error.message.startswith("syntax error")


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="type statements parse on 3.12+")
def test_newer_syntax_is_named():
    error = parse("type Point = tuple[float, float]\n", "m.py")
    assert isinstance(error, ParseError)
    assert "PEP 695" in error.message and "3.12" in error.message


def test_null_bytes_in_text_do_not_raise():
    result = parse("x = 1\0\n", "m.py")
    assert isinstance(result, ParseError)
