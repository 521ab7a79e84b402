"""The conversation model (docs/conversation-model.md): messages -> requests -> cases, materialized daily."""
