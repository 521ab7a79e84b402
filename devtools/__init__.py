"""Tooling for the repository itself: make docs (docs), the generated blocks of README.md and docs/*.md.
May import the deployed code and any tool folder; nothing imports it but the tests."""
