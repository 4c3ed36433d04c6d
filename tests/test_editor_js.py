"""The editor's pure JavaScript (``ner/ui/editor_pure.js``) under node, and the js_on_load it goes into."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ner.ui.editor import editor_js

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node") or "/usr/bin/node"  # .ci/run installs it


@pytest.mark.slow
def test_pure_parts_pass_their_literal_cases():
    done = subprocess.run([NODE, str(ROOT / "tests" / "editor_pure.test.cjs")], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout


@pytest.mark.slow
def test_the_js_on_load_body_is_valid_javascript_with_gradios_arguments():
    """Gradio runs it as ``Function("element", "trigger", "props", "server", "upload", "watch", body)``."""
    probe = ("new Function('element', 'trigger', 'props', 'server', 'upload', 'watch', "
             "require('fs').readFileSync(0, 'utf8'));")
    done = subprocess.run([NODE, "-e", probe], input=editor_js(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-4000:]


def test_the_page_reads_no_other_component_and_no_private_gradio_data():
    body = editor_js()
    for banned in ("document.querySelector(", "_data", "localStorage", "navigator.language"):
        assert banned not in body, banned
    # answers go through the server functions; the events it triggers carry no data (a review goes as the value)
    assert re.findall(r"trigger\([^)]*\)", body) == ['trigger("answered")', 'trigger("reviewed")']
