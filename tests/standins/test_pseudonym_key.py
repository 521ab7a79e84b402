"""The local pseudonym key: a file in the pipeline's folder, made once, private, handed to the ETL."""

import stat

from standins.pseudonym_key import KEY_FILE, local_key
from standins.runner import LocalPipeline


def test_the_key_is_made_once_private_and_random(tmp_path):
    key = local_key(tmp_path)
    path = tmp_path / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 64 and bytes.fromhex(key.decode())  # 32 random bytes as hex
    assert local_key(tmp_path) == key  # kept: pseudonyms stay stable across runs of the demo
    assert local_key(tmp_path / "other") != key  # a fresh folder, a fresh key


S3_ENV = {"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}


def test_the_pipeline_passes_its_folders_key_to_the_etl(tmp_path):
    pipeline = LocalPipeline(S3_ENV, data_dir=tmp_path)
    env = pipeline._etl_env()
    assert env["PSEUDONYM_KEY"].encode() == local_key(tmp_path) == pipeline.pseudonym_key
    assert env["PSEUDONYMIZE_USERS"] == "true"
    without_folder = LocalPipeline(S3_ENV)
    assert without_folder.pseudonym_key != pipeline.pseudonym_key  # its own key, never a shared default
