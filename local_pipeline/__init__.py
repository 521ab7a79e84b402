"""The old home of the local tools, kept for one external contract only: `python -m local_pipeline.replay`
(local_pipeline/replay/ runs local.replay). Nothing imports this package; the code lives by role in
demo_data/, standins/, analyst/, ops/ and local/ (docs/architecture.md)."""
