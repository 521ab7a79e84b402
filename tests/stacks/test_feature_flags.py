"""Every feature flag aws-cdk-lib recommends is set in cdk.json, to its recommended value: `cdk synth` says
nothing about unconfigured flags, and a CDK upgrade that adds one fails here until it is reviewed (set it,
run `make snapshots`, and read the template diff)."""

import json
import tarfile
from pathlib import Path

import aws_cdk

ROOT = Path(__file__).resolve().parents[2]
# Deliberately not the recommended value, each with its reason.
DELIBERATE = {
    # Exports and Fn::ImportValue: CloudFormation then refuses to delete or replace a bucket or table that
    # another stack of the stage still reads (the processed bucket under the analytics stack), instead of
    # leaving it pointing at nothing.
    "@aws-cdk/core:defaultCrossStackReferences": "strong",
}


def recommended_flags() -> dict[str, object]:
    """recommended-feature-flags.json from the aws-cdk-lib package the app runs (inside its jsii tarball)."""
    (tarball,) = (Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/recommended-feature-flags.json")
        assert member is not None
        return json.load(member)


def test_every_recommended_feature_flag_is_set_to_its_recommended_value():
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    recommended = recommended_flags()
    assert len(recommended) > 50
    # An unset flag is off: a flag recommended off needs no line.
    differing = {flag: (context.get(flag, False), value) for flag, value in recommended.items()
                 if context.get(flag, False) != DELIBERATE.get(flag, value)}  # fmt: skip
    assert differing == {}, f"set in cdk.json (ours, recommended): {differing}"
