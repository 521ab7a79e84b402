"""`make demo` installs only what the local tools need: requirements-demo.txt (no CDK, no Node.js), and
those tools never import the CDK, the test-only packages or the benchmark's pandas."""

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_FOR_THE_DEMO = ("aws_cdk", "constructs", "cdk_nag", "jsii", "pandas", "moto", "pytest", "hypothesis")


def pins(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].split(";")[0].strip()  # a pin for some Pythons only: its version
        if line.startswith("-r "):
            found |= pins(path.parent / line[3:].strip())
        elif line:
            name, version = re.split(r"==", line)
            found[re.sub(r"\[.*\]", "", name).lower()] = version
    return found


def test_the_demo_requirements_are_a_subset_of_the_full_ones_with_the_same_pins():
    demo, full = pins(ROOT / "requirements-demo.txt"), pins(ROOT / "requirements-dev.txt")
    assert demo and all(full.get(name) == version for name, version in demo.items()), (demo, full)
    assert not {"aws-cdk-lib", "constructs", "cdk-nag", "pandas", "moto", "pytest"} & set(demo)


def test_make_demo_installs_only_the_demo_requirements_and_no_node():
    """From nothing (-B: every target out of date, in a venv that does not exist)."""
    plan = subprocess.run(
        ["make", "-n", "-B", "demo", "sql", "report", "VENV=/nonexistent-venv"], cwd=ROOT,
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "-r requirements-demo.txt" in plan
    assert "requirements-dev.txt" not in plan
    assert "npm" not in plan and "npx" not in plan and "cdk" not in plan


def test_make_test_still_installs_everything():
    plan = subprocess.run(
        ["make", "-n", "-B", "setup", "VENV=/nonexistent-venv"], cwd=ROOT, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    assert "-r requirements-dev.txt" in plan and "npm ci" in plan


def demo_distributions() -> set[str]:
    """requirements-demo.txt and everything those packages require: what a fresh `make demo` installs."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [canonicalize_name(name) for name in pins(ROOT / "requirements-demo.txt")]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return seen


def not_in_the_demo_venv() -> set[str]:
    """Top-level modules installed here (by `make test`) that a venv from requirements-demo.txt lacks."""
    from packaging.utils import canonicalize_name

    # This project itself is installed by make's `pip install -e .`.
    allowed = demo_distributions() | {"telegram-analytics-pipeline"}
    return {
        module
        for module, distributions in metadata.packages_distributions().items()
        if not {canonicalize_name(d) for d in distributions} & allowed
    }


def test_the_demo_closure_lacks_what_only_the_tests_install():
    """The check below can fail: pandas, moto and the CDK are installed here but not in the demo's venv."""
    missing = not_in_the_demo_venv()
    assert {"pandas", "moto", "aws_cdk", "pytest"} <= missing
    assert {"pyarrow", "duckdb", "boto3", "numpy"}.isdisjoint(missing)


def test_the_local_tools_and_the_lambda_code_load_without_the_cdk():
    """Imported with every package outside requirements-demo.txt's closure made unimportable, as in a
    venv that `make demo` built on a fresh clone (numpy once went missing that way)."""
    blocked = sorted(not_in_the_demo_venv() | set(NOT_FOR_THE_DEMO))
    code = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError("not installed for the demo: " + name)
sys.meta_path.insert(0, Block())
import importlib, pkgutil
import local, standins, demo_data
for package in (local, standins, demo_data):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
import analyst.sql, analyst.report, analyst.answers, ops.people, ops.rights, ops.subject, local_pipeline.replay
import telegram_ingest.app, telegram_etl.app, telegram_etl.job, telegram_etl.ids, telegram_etl.privacy
from standins.runner import LAMBDAS_DIR, LambdaContainer
for name in ("ingest", "etl"):
    LambdaContainer(LAMBDAS_DIR / name / "handler.py", {{"RAW_BUCKET": "r", "PROCESSED_BUCKET": "p",
        "WEBHOOK_SECRET": "s", "TIMEZONE": "UTC", "AWS_DEFAULT_REGION": "us-east-1", "PSEUDONYM_KEY": "k"}})
print(sorted(m for m in sys.modules if m.split(".")[0] in {NOT_FOR_THE_DEMO!r}))
"""
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
