"""The README's API examples run as written, against the real app (the browser tests' server).

The Python block under "## API" is executed with only the server's address changed. Every call
in it names its parameters (no positional values), so the examples keep working when an endpoint
gains a parameter, and the endpoints must offer real names and defaults for that to work.
No browser is needed; the test sits here to share the real app server with the browser tests.
"""

from __future__ import annotations

import ast
import re

from tests.browser.conftest import ROOT

README_URL = "http://127.0.0.1:7860/"


def api_example() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("\n## API") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def client_calls(code: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"predict", "submit"}
    ]


def test_every_readme_call_names_its_parameters() -> None:
    calls = client_calls(api_example())
    assert len(calls) >= 12
    for call in calls:
        assert not call.args, f"line {call.lineno}: pass parameters by name"
        assert any(k.arg == "api_name" for k in call.keywords), f"line {call.lineno}"


def test_the_readme_api_example_runs_as_written(app_url: str, capsys) -> None:
    code = api_example()
    assert README_URL in code
    names: dict = {}
    exec(compile(code.replace(README_URL, app_url), "README.md", "exec"), names)
    printed = capsys.readouterr().out
    assert "animal" in printed.splitlines()
    tokens = names["tokens"]
    assert tokens and all(isinstance(t["token_id"], int) for t in tokens)
    assert all(0 < t["probability"] <= 1 for t in tokens)
    assert len(names["neighbours"]["data"]) == 2
    assert names["rows"] and len(names["rows"]["data"][0]) == 4
    assert str(names["adapter_zip"]).endswith(".zip")
    assert "Brought back a LoRA adapter for" in names["brought_back"]
    assert names["grid"] and names["gif"] and len(names["frames"]) == 26  # 25 steps + final
    assert [p["step"] for p in names["parts"]["parts"]] == [1, 5, 10]
    assert [len(row) for row in names["cells"]["cells_png_base64"]] == [2, 2]
    assert [item["k"] for item in names["switch"]["strip"]] == [0, 1, 2, 4, 6, 10]
    assert len(names["noised"]["levels"]) == 7 and names["noised"]["held_out"]
