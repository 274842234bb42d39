"""Zero leak (design case 5, golden/06-zero-leak-secrets): with the secrets in `.env` and in
hsmc's own environment while it builds, no value appears in any generated file; the running
container and the host process (packages.env + .env) do see them."""

from __future__ import annotations

import re
import secrets
import urllib.request
from pathlib import Path

from tests.conftest import copy_case
from tests.e2e.conftest import StackFactory
from tests.e2e.test_golden_cases import assert_all_healthy, free_port

CASE = "06-zero-leak-secrets"


def test_no_env_value_in_generated_files_while_containers_see_them(
    stacks: StackFactory, tmp_path: Path
) -> None:
    password = f"zl-{secrets.token_hex(12)}"
    port = str(free_port())
    values = {"NEO4J_PROD_PASSWORD": password, "NEO4J_PROD_PORT": port}
    stack = stacks(copy_case(CASE, tmp_path))
    stack.write_env(values)  # .env is there before the build, as on a user's machine
    stack.build(env=values)
    generated = stack.generated_text()
    assert {"docker-compose.yml", "packages.env", ".env.template"} <= set(generated)
    for name, text in generated.items():
        assert password not in text, f"the password leaked into {name}"
        # (not inside a hex digest of .hsmc-generated, where five digits may occur by chance)
        assert not re.search(rf"(?<![0-9a-f]){port}(?![0-9a-f])", text), f"port leaked: {name}"

    stack.up()
    assert_all_healthy(stack)
    seen = stack.exec("graph-services", "printenv", "DB_PASSWORD").stdout.strip()
    assert seen == password
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as answer:
        assert answer.status == 200
    out = stack.host_python('print(os.environ["NEO4J_PASSWORD"], os.environ["NEO4J_PORT"])')
    assert out.split() == [password, port]
    assert (stack.out / ".env").read_text(encoding="utf-8").count(password) == 1
