"""Weekly aggregate counts: what trend charts and the digest's comparisons read, without opening post texts.

One row per (school, week, source, measure, value) with a post count:

- ``totaal`` / ``""``: posts found;
- ``sentiment`` / negatief, neutraal, positief, onzeker, or ``ongelabeld`` (not classified yet);
- ``categorie`` / a protocol category (pesten, bedreiging, ...); a post can count in several;
- ``aandacht`` / the post's one kind (``monitor.attention``: veiligheid, bespreken, onjuistheid, goed, overig), so
  each post counts once: the safety signals of a week are the posts of kind veiligheid (flagged or *mogelijk*).

The newest label of a post counts, whichever model made it. Aggregates hold no texts or authors, so they outlive the
retention purge of posts: a week is only recomputed while it still has posts, so purged weeks keep their counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import pandas as pd
import pyarrow as pa

from monitor.attention import LABEL_COLUMNS
from monitor.records import now_utc
from monitor.store import Store
from monitor.store.schema import WEEKLY

log = logging.getLogger(__name__)

TOTAL = "totaal"
SENTIMENT = "sentiment"
CATEGORY = "categorie"
ATTENTION = "aandacht"
UNLABELLED = "ongelabeld"


def weekly_counts(posts: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Aggregate rows from posts (post_key, school_id, week, source) and labels (post_key, sentiment,
    probabilities and categories JSON, scored_at): columns school_id, week, source, measure, value, posts."""
    from monitor.attention import OTHER, kinds

    keys = ["school_id", "week", "source"]
    if posts.empty:
        return pd.DataFrame(columns=[*keys, "measure", "value", "posts"])
    frame = posts[["post_key", *keys]].merge(kinds(labels), on="post_key", how="left")
    frame["sentiment"] = frame["sentiment"].fillna(UNLABELLED)
    frame["kind"] = frame["kind"].fillna(OTHER)

    total = frame.groupby(keys).size().rename("posts").reset_index().assign(measure=TOTAL, value="")
    sentiment = (
        frame.groupby([*keys, "sentiment"]).size().rename("posts").reset_index()
        .rename(columns={"sentiment": "value"}).assign(measure=SENTIMENT)
    )
    attention = (
        frame.groupby([*keys, "kind"]).size().rename("posts").reset_index()
        .rename(columns={"kind": "value"}).assign(measure=ATTENTION)
    )
    flagged = frame.dropna(subset=["flagged"]).rename(columns={"flagged": "value"}).explode("value")
    flagged = flagged.dropna(subset=["value"])
    category = flagged.groupby([*keys, "value"]).size().rename("posts").reset_index().assign(measure=CATEGORY)
    out = pd.concat([total, sentiment, category, attention], ignore_index=True)
    out["posts"] = out["posts"].astype("int64")
    return out[[*keys, "measure", "value", "posts"]]


def refresh_weekly(store: Store, weeks: Iterable[str] | None = None) -> int:
    """Recompute the aggregates of these weeks (None: every week that has posts); returns rows written.

    Weeks without posts are left alone, so counts of purged weeks are kept."""
    manifest = store.manifest()
    with_posts = store.post_weeks(manifest)
    wanted = with_posts if weeks is None else sorted(set(weeks) & set(with_posts))
    if not wanted:
        return 0
    posts = store.read("posts", columns=["post_key", "school_id", "week", "source"], week=wanted)
    labels = store.read("labels", columns=LABEL_COLUMNS, week=wanted)
    counts = weekly_counts(posts, labels).assign(computed_at=now_utc())
    with store.transaction() as tx:
        tx.replace_partitions(WEEKLY, pa.Table.from_pandas(counts, schema=WEEKLY.schema, preserve_index=False),
                              week=wanted)
    log.info("weekoverzichten bijgewerkt voor %d weken (%d regels)", len(wanted), len(counts))
    return len(counts)


def read_weekly(
    store: Store, school_id: str | list[str] | None = None, weeks: list[str] | None = None
) -> pd.DataFrame:
    """Aggregate rows (see ``weekly_counts``), optionally for some schools and weeks."""
    frame = store.read("weekly", columns=["school_id", "week", "source", "measure", "value", "posts"], week=weeks)
    if school_id is not None:
        wanted = [school_id] if isinstance(school_id, str) else school_id
        frame = frame[frame["school_id"].isin(wanted)]
    return frame.reset_index(drop=True)

