"""Operator tooling that talks to Telegram's Bot API: webhook registration and long polling."""
