"""The local runs, what a person starts on this machine: make demo (demo), python -m local.replay (replay)
and make poll / report (poll). The top of the tools: may import the deployed code and every tool folder
(demo_data/, standins/, analyst/, ops/); only devtools/ and bench/ import it."""
