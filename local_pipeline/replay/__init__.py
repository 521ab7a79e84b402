"""`python -m local_pipeline.replay ...` is `python -m local.replay ...`: the replay's old path, an external
contract. A package (not local_pipeline/replay.py) so that git follows that file's history to local/."""
