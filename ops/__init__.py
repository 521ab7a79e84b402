"""The operator's commands against a stage: set-webhook / webhook-info (webhook, over the Bot API client
botapi), import-export (a Telegram Desktop export: desktop_export, import_export), forget / subject-export
(rights, subject) and people's pseudonyms (people). Used by local/ (replay's exports, poll's client).
May import the deployed code, demo_data/ and standins/ (the local targets); never analyst/ or local/."""
