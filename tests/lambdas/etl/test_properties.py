"""Property-based: any Update-like dict flattens to a row of exactly the schema, which Arrow accepts."""

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from telegram_etl.flatten import UPDATE_KINDS, flatten
from telegram_etl.schema import ARROW_SCHEMA, COLUMN_NAMES

scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | st.floats() | st.text()
)
FIELDS = ["message_id", "from", "chat", "date", "edit_date", "text", "caption", "entities", "caption_entities",
          "reply_to_message", "sender_chat", "message", "data", "user", "id", "type", "title", "first_name",
          "is_bot", "offset", "length", "message_thread_id", "forward_origin", "photo", "new_chat_members"]  # fmt: skip
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), children, max_size=6)
    ),
    max_leaves=25,
)
updates = st.builds(
    lambda update_id, kind, payload: {"update_id": update_id, kind: payload},
    st.integers(min_value=-(2**70), max_value=2**70) | scalars,
    st.sampled_from(UPDATE_KINDS) | st.text(max_size=10).filter(lambda k: k != "update_id"),
    values,
)


@settings(max_examples=500, deadline=None)
@given(st.lists(updates, min_size=1, max_size=5))
def test_flatten_never_fails_and_always_fits_the_schema(batch):
    rows = [flatten(update, None) for update in batch]
    assert all(tuple(row) == COLUMN_NAMES for row in rows)
    table = pa.Table.from_pylist(rows, schema=ARROW_SCHEMA)  # raises on any value of the wrong type
    assert table.schema == ARROW_SCHEMA and table.num_rows == len(batch)
