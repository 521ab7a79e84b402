"""The naive baseline, as the public course solutions do it: one paginated listing, one GET after
another, a dict per message, pandas.json_normalize, to_parquet, one PUT."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd


def naive_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.json_normalize(records)
    # json_normalize leaves lists (entities, photo sizes, new members) and mixed types in object columns,
    # which to_parquet refuses; casting those to strings is what makes the naive version run at all.
    for column in frame.columns[frame.dtypes.map(lambda dtype: dtype.kind == "O")]:
        frame[column] = frame[column].map(lambda v: None if v is None or v != v else str(v))
    return frame


def naive_parquet(records: list[dict[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    naive_frame(records).to_parquet(buffer, index=False)
    return buffer.getvalue()


def naive_etl(s3: Any, raw_bucket: str, processed_bucket: str, day: str) -> int:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=raw_bucket, Prefix=f"telegram/context_date={day}/"
    ):
        keys += [item["Key"] for item in page.get("Contents", [])]
    records = [json.loads(s3.get_object(Bucket=raw_bucket, Key=key)["Body"].read()) for key in keys]
    s3.put_object(
        Bucket=processed_bucket, Key=f"naive/context_date={day}/data.parquet", Body=naive_parquet(records)
    )
    return len(records)
